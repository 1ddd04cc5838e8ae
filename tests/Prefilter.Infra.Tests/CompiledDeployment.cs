using System.Text.Json;

namespace Prefilter.Infra.Tests;

/// <summary>infra/main.bicep compiled once by the real Bicep CLI, shared by the tests that read the ARM JSON.</summary>
public sealed class CompiledDeployment : IAsyncLifetime
{
    private JsonDocument? document;

    internal static string MainTemplate => Path.Combine(RepositoryRoot.Infra, "main.bicep");

    internal BicepResult Build { get; private set; } = null!;

    internal ArmTemplate Main => ArmTemplate.Root(
        (document ?? throw new InvalidOperationException($"main.bicep did not compile: {Build.Describe()}")).RootElement);

    internal IReadOnlyList<ArmTemplate> Templates => Main.Descendants().ToList();

    /// <summary>The one module (nested template) deployed under this name.</summary>
    internal ArmTemplate Module(string name) => Templates.Single(template => template.ModuleName == name);

    public async Task InitializeAsync()
    {
        Build = await BicepCli.RunAsync("build", MainTemplate, "--stdout");
        if (Build.ExitCode == 0)
        {
            document = JsonDocument.Parse(Build.StandardOutput);
        }
    }

    public Task DisposeAsync()
    {
        document?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class CompiledDeploymentCollection : ICollectionFixture<CompiledDeployment>
{
    public const string Name = "compiled main.bicep";
}
