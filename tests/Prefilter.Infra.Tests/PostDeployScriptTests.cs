using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Prefilter.Infra.Tests;

/// <summary>
/// infra/scripts/postdeploy.sh against a stand-in for the Azure CLI (no Azure here): it must read names the main
/// template really outputs, pass parameters the subscriptions module really declares, and never show the key.
/// </summary>
[Collection(CompiledDeploymentCollection.Name)]
public sealed partial class PostDeployScriptTests(CompiledDeployment compiled)
{
    private const string Key = "blobs-extension-key-value";

    private static string Script => Path.Combine(RepositoryRoot.Infra, "scripts", "postdeploy.sh");

    [Fact]
    public async Task Deploys_the_subscriptions_module_with_the_main_deployment_names_and_settings()
    {
        using var azure = new FakeAzureCli(blobsExtensionKey: Key);

        var run = await RunScriptAsync(azure, "-g", "rg-mail", "-n", "main");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.DoesNotContain(Key, run.Output, StringComparison.Ordinal);
        var create = Assert.Single(azure.Calls(), call => call.StartsWith("deployment group create", StringComparison.Ordinal));
        Assert.Contains($"-f {Path.Combine(RepositoryRoot.Infra, "modules", "eventsubscriptions.bicep")}", create, StringComparison.Ordinal);
        Assert.Contains("-g rg-mail", create, StringComparison.Ordinal);
        Assert.DoesNotContain(Key, create, StringComparison.Ordinal);

        var passed = ParameterPairs().Matches(create).ToDictionary(match => match.Groups["name"].Value, match => match.Groups["value"].Value);
        var declared = compiled.Module("eventsubscriptions").Template.GetProperty("parameters");
        Assert.All(passed.Keys, name => Assert.True(declared.TryGetProperty(name, out _), $"the module has no parameter {name}"));
        Assert.Equal("func-test", passed["functionAppName"]);
        Assert.Equal("evgt-test", passed["systemTopicName"]);
        Assert.Equal("stdatatest", passed["deadLetterStorageAccountName"]);
        Assert.Equal("12", passed["maxDeliveryAttempts"]);
        Assert.Equal("ScanMail", passed["scanFunctionName"]);
    }

    [Fact]
    public async Task Reads_only_outputs_and_parameters_the_main_template_has()
    {
        using var azure = new FakeAzureCli(blobsExtensionKey: Key);

        await RunScriptAsync(azure, "-g", "rg-mail");

        var queried = azure.Calls()
            .Where(call => call.StartsWith("deployment group show", StringComparison.Ordinal))
            .Select(call => QueriedValue().Match(call))
            .ToList();
        Assert.NotEmpty(queried);
        Assert.All(queried, match =>
        {
            Assert.True(match.Success);
            Assert.True(compiled.Main.Template.GetProperty(match.Groups["section"].Value).TryGetProperty(match.Groups["name"].Value, out _),
                $"main.bicep has no {match.Groups["section"].Value} {match.Groups["name"].Value}");
        });
    }

    [Fact]
    public async Task Gives_up_with_a_reason_when_the_key_never_appears()
    {
        using var azure = new FakeAzureCli(blobsExtensionKey: "");

        var run = await RunScriptAsync(azure, "-g", "rg-mail", "-t", "0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no system key 'blobs_extension' on func-test", run.Output, StringComparison.Ordinal);
        Assert.DoesNotContain(azure.Calls(), call => call.StartsWith("deployment group create", StringComparison.Ordinal));
    }

    [Fact]
    public async Task As_the_azd_hook_takes_names_and_settings_from_the_azd_environment()
    {
        using var azure = new FakeAzureCli(blobsExtensionKey: Key);

        // azd puts each output of the main deployment into its environment under the output's name.
        var environment = new Dictionary<string, string>
        {
            ["AZURE_ENV_NAME"] = "prefilter-prod",
            ["AZURE_RESOURCE_GROUP"] = "rg-azd",
            ["AZURE_FUNCTION_APP_NAME"] = "func-azd",
            ["EVENT_GRID_SYSTEM_TOPIC_NAME"] = "evgt-azd",
            ["AZURE_STORAGE_ACCOUNT_NAME"] = "stdataazd",
            ["EVENT_MAX_DELIVERY_ATTEMPTS"] = "7",
            ["SCAN_FUNCTION_NAME"] = "ScanMail",
        };
        Assert.All(environment.Keys.Where(name => name is not "AZURE_ENV_NAME"), name =>
            Assert.True(compiled.Main.Template.GetProperty("outputs").TryGetProperty(name, out _), $"main.bicep has no output {name}"));

        var run = await RunScriptAsync(azure, environment, "-e");

        Assert.True(run.ExitCode == 0, run.Output);
        Assert.DoesNotContain(azure.Calls(), call => call.StartsWith("deployment group show", StringComparison.Ordinal));
        var create = Assert.Single(azure.Calls(), call => call.StartsWith("deployment group create", StringComparison.Ordinal));
        Assert.Contains("-g rg-azd -n prefilter-prod-eventsubscriptions", create, StringComparison.Ordinal);
        var passed = ParameterPairs().Matches(create).ToDictionary(match => match.Groups["name"].Value, match => match.Groups["value"].Value);
        Assert.Equal("func-azd", passed["functionAppName"]);
        Assert.Equal("evgt-azd", passed["systemTopicName"]);
        Assert.Equal("7", passed["maxDeliveryAttempts"]);
    }

    [Fact]
    public async Task Refuses_to_run_without_a_resource_group()
    {
        using var azure = new FakeAzureCli(blobsExtensionKey: Key);

        var run = await RunScriptAsync(azure);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("usage:", run.Output, StringComparison.Ordinal);
        Assert.Empty(azure.Calls());
    }

    private static Task<(int ExitCode, string Output)> RunScriptAsync(FakeAzureCli azure, params string[] arguments) =>
        RunScriptAsync(azure, new Dictionary<string, string>(), arguments);

    private static async Task<(int ExitCode, string Output)> RunScriptAsync(FakeAzureCli azure, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["PATH"] = $"{azure.Directory}:{Environment.GetEnvironmentVariable("PATH")}";
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"(?<=\s)(?<name>[A-Za-z]+)=(?<value>\S+)")]
    private static partial Regex ParameterPairs();

    [GeneratedRegex(@"--query properties\.(?<section>outputs|parameters)\.(?<name>[A-Za-z_]+)\.value")]
    private static partial Regex QueriedValue();

    /// <summary>An `az` on PATH that answers what the script asks of a finished main deployment and logs every call.</summary>
    private sealed class FakeAzureCli : IDisposable
    {
        private readonly ScratchDirectory scratch = new();

        public FakeAzureCli(string blobsExtensionKey)
        {
            var script = scratch.Write("az", $$"""
                #!/usr/bin/env bash
                echo "$*" >> "{{Log}}"
                case "$*" in
                  *properties.outputs.AZURE_FUNCTION_APP_NAME.value*) echo func-test ;;
                  *properties.outputs.EVENT_GRID_SYSTEM_TOPIC_NAME.value*) echo evgt-test ;;
                  *properties.outputs.AZURE_STORAGE_ACCOUNT_NAME.value*) echo stdatatest ;;
                  *properties.outputs.EVENT_MAX_DELIVERY_ATTEMPTS.value*) echo 12 ;;
                  *properties.outputs.SCAN_FUNCTION_NAME.value*) echo ScanMail ;;
                  "deployment group show"*) ;;
                  "functionapp keys list"*) echo "{{blobsExtensionKey}}" ;;
                  "functionapp show"*) echo 127.0.0.1:9 ;;
                  "deployment group create"*) printf 'incoming-mail\npattern-uploads\n' ;;
                  *) echo "unexpected az call: $*" >&2; exit 3 ;;
                esac
                """);
            File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        public string Directory => scratch.Path;

        private string Log => Path.Combine(scratch.Path, "calls.log");

        public IReadOnlyList<string> Calls() => File.Exists(Log) ? File.ReadAllLines(Log) : [];

        public void Dispose() => scratch.Dispose();
    }
}
