using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Prefilter.Infra.Tests;

/// <summary>
/// azure.yaml and infra/main.parameters.json against what azd does with them (no azd here): the project parses,
/// its services are the function app and the SMTP edge the template tags, its hook and paths exist, and every
/// parameter azd fills in is one main.bicep declares.
/// </summary>
[Collection(CompiledDeploymentCollection.Name)]
public sealed partial class AzdProjectTests(CompiledDeployment compiled)
{
    private static YamlMappingNode Project()
    {
        var yaml = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepositoryRoot.Path, "azure.yaml"));
        yaml.Load(reader);
        return (YamlMappingNode)yaml.Documents.Single().RootNode;
    }

    private static YamlMappingNode Service(string name) =>
        (YamlMappingNode)((YamlMappingNode)Project().Children[new YamlScalarNode("services")]).Children[new YamlScalarNode(name)];

    private static string Scalar(YamlMappingNode node, params string[] path)
    {
        YamlNode current = node;
        foreach (var key in path)
        {
            current = ((YamlMappingNode)current).Children[new YamlScalarNode(key)];
        }

        return ((YamlScalarNode)current).Value!;
    }

    [Fact]
    public void The_infrastructure_is_main_bicep()
    {
        var project = Project();

        Assert.Equal("bicep", Scalar(project, "infra", "provider"));
        var module = Path.Combine(RepositoryRoot.Path, Scalar(project, "infra", "path"), Scalar(project, "infra", "module") + ".bicep");
        Assert.Equal(Path.GetFullPath(CompiledDeployment.MainTemplate), Path.GetFullPath(module));
    }

    [Fact]
    public void The_services_are_the_function_app_and_the_SMTP_edge()
    {
        var services = (YamlMappingNode)Project().Children[new YamlScalarNode("services")];

        Assert.Equal(["ingress", "prefilter"], services.Children.Keys.Select(key => ((YamlScalarNode)key).Value).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_function_app_service_is_the_app_the_template_tags_with_its_name()
    {
        var service = Service("prefilter");

        Assert.Equal("function", Scalar(service, "host"));
        Assert.Equal("dotnet", Scalar(service, "language"));
        var projectDirectory = Path.Combine(RepositoryRoot.Path, Scalar(service, "project"));
        Assert.True(File.Exists(Path.Combine(projectDirectory, "Prefilter.Functions.csproj")), $"no function app project in {projectDirectory}");

        // azd finds the resource to deploy to by the tag azd-service-name = the service's name.
        var module = compiled.Module("functionapp");
        var app = Assert.Single(module.Deployed("Microsoft.Web/sites"));
        Assert.Contains("'azd-service-name'", app.GetProperty("tags").GetString(), StringComparison.Ordinal);
        Assert.Equal("prefilter", module.DefaultValue("azdServiceName").GetString());
    }

    [Fact]
    public void The_SMTP_edge_service_builds_the_ingress_Dockerfile_into_the_container_app_the_template_tags()
    {
        var service = Service("ingress");

        Assert.Equal("containerapp", Scalar(service, "host"));
        var projectDirectory = Path.Combine(RepositoryRoot.Path, Scalar(service, "project"));
        Assert.True(File.Exists(Path.Combine(projectDirectory, "Prefilter.Cli.csproj")), $"no CLI project in {projectDirectory}");

        // azd resolves the Dockerfile and the build context from the project directory.
        var dockerfile = Path.GetFullPath(Path.Combine(projectDirectory, Scalar(service, "docker", "path")));
        Assert.Equal(Path.Combine(RepositoryRoot.Infra, "ingress", "Dockerfile"), dockerfile);
        var context = Path.GetFullPath(Path.Combine(projectDirectory, Scalar(service, "docker", "context")));
        Assert.Equal(Path.GetFullPath(RepositoryRoot.Path), context.TrimEnd(Path.DirectorySeparatorChar));
        Assert.Contains("dotnet publish functions/Prefilter.Cli", File.ReadAllText(dockerfile), StringComparison.Ordinal);
        Assert.Contains("\"ingress\"]", File.ReadAllText(dockerfile), StringComparison.Ordinal);

        var edge = compiled.Module("edge");
        var app = Assert.Single(edge.Deployed("Microsoft.App/containerApps"));
        Assert.Contains("'azd-service-name'", app.GetProperty("tags").GetString(), StringComparison.Ordinal);
        Assert.Equal("ingress", edge.DefaultValue("azdServiceName").GetString());

        // azd pushes to the registry this output names, and hands the image it built back to the next provision.
        Assert.True(compiled.Main.Template.GetProperty("outputs").TryGetProperty("AZURE_CONTAINER_REGISTRY_ENDPOINT", out _));
        Assert.Equal("[parameters('ingressImage')]", edge.ParameterValue("image").GetString());
    }

    [Fact]
    public void The_postdeploy_hook_runs_the_event_grid_step_from_the_azd_environment()
    {
        var run = Scalar(Project(), "hooks", "postdeploy", "run");

        var parts = run.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var script = Path.Combine(RepositoryRoot.Path, parts[0]);
        Assert.True(File.Exists(script), $"no hook script {script}");
        Assert.True((File.GetUnixFileMode(script) & UnixFileMode.UserExecute) != 0, $"{script} is not executable");
        Assert.Contains("-e", parts);
    }

    [Fact]
    public void Every_parameter_azd_fills_in_is_declared_and_substitutes_only_azd_variables()
    {
        using var parameters = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot.Infra, "main.parameters.json")));
        var declared = compiled.Main.Template.GetProperty("parameters");

        var values = parameters.RootElement.GetProperty("parameters").EnumerateObject().ToList();
        Assert.All(values, parameter => Assert.True(declared.TryGetProperty(parameter.Name, out _), $"main.bicep has no parameter {parameter.Name}"));
        var substituted = values
            .SelectMany(parameter => Substitution().Matches(parameter.Value.GetRawText()).Select(match => (parameter.Name, Variable: match.Groups[1].Value)))
            .ToDictionary(entry => entry.Name, entry => entry.Variable);
        Assert.Equal(
            new Dictionary<string, string>
            {
                ["environmentName"] = "AZURE_ENV_NAME",
                ["location"] = "AZURE_LOCATION",
                // azd keeps these in its environment, so a later `azd provision` passes what the last one did.
                ["downstreamCredentialSetting"] = "DOWNSTREAM_CREDENTIAL_SETTING",
                ["smtpCertificateName"] = "SMTP_CERTIFICATE_NAME",
                ["smtpServerName"] = "SMTP_SERVER_NAME",
                // azd sets SERVICE_<NAME>_IMAGE_NAME after it pushes a service's image: a provision keeps the image.
                ["ingressImage"] = "SERVICE_INGRESS_IMAGE_NAME",
            },
            substituted);
    }

    [Fact]
    public void The_operator_defaults_to_whoever_deploys()
    {
        Assert.Equal("[deployer().objectId]", compiled.Main.DefaultValue("operatorPrincipalId").GetString());
    }

    [GeneratedRegex(@"\$\{([A-Z_]+)(=[^}]*)?\}")]
    private static partial Regex Substitution();
}
