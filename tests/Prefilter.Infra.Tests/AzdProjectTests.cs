using System.Text.Json;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Prefilter.Infra.Tests;

/// <summary>
/// azure.yaml and infra/main.parameters.json against what azd does with them (no azd here): the project parses,
/// its service is the function app the template tags, its hook and paths exist, and every parameter azd fills in is
/// one main.bicep declares.
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
    public void The_one_service_is_the_function_app_the_template_tags_with_its_name()
    {
        var services = (YamlMappingNode)Project().Children[new YamlScalarNode("services")];
        var (name, service) = Assert.Single(services.Children);

        Assert.Equal("function", Scalar((YamlMappingNode)service, "host"));
        Assert.Equal("dotnet", Scalar((YamlMappingNode)service, "language"));
        var projectDirectory = Path.Combine(RepositoryRoot.Path, Scalar((YamlMappingNode)service, "project"));
        Assert.True(File.Exists(Path.Combine(projectDirectory, "Prefilter.Functions.csproj")), $"no function app project in {projectDirectory}");

        // azd finds the resource to deploy to by the tag azd-service-name = the service's name.
        var module = compiled.Module("functionapp");
        var app = Assert.Single(module.Deployed("Microsoft.Web/sites"));
        Assert.Contains("'azd-service-name'", app.GetProperty("tags").GetString(), StringComparison.Ordinal);
        Assert.Equal(((YamlScalarNode)name).Value, module.DefaultValue("azdServiceName").GetString());
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
        Assert.Equal("AZURE_ENV_NAME", substituted["environmentName"]);
        Assert.Equal("AZURE_LOCATION", substituted["location"]);
        Assert.Equal(2, substituted.Count);
    }

    [Fact]
    public void The_operator_defaults_to_whoever_deploys()
    {
        Assert.Equal("[deployer().objectId]", compiled.Main.DefaultValue("operatorPrincipalId").GetString());
    }

    [GeneratedRegex(@"\$\{([A-Z_]+)\}")]
    private static partial Regex Substitution();
}
