namespace Prefilter.Infra.Tests;

/// <summary>
/// The templates compile and lint clean with the pinned Bicep CLI. Clean means no diagnostic at all: Bicep reports
/// type errors (a wrong property, a value out of range) only as warnings and still exits 0.
/// </summary>
[Collection(CompiledDeploymentCollection.Name)]
public sealed class BicepBuildTests(CompiledDeployment compiled)
{
    private static IEnumerable<string> TemplateFolders => [RepositoryRoot.Infra, Path.Combine(RepositoryRoot.Infra, "modules")];

    private static List<string> TemplateFiles() =>
        TemplateFolders.SelectMany(folder => Directory.EnumerateFiles(folder, "*.bicep"))
            .Select(file => Path.GetRelativePath(RepositoryRoot.Infra, file))
            .Order(StringComparer.Ordinal)
            .ToList();

    [Fact]
    public void Main_template_builds_without_any_diagnostic()
    {
        Assert.True(compiled.Build.ExitCode == 0 && compiled.Build.Diagnostics.Count == 0, compiled.Build.Describe());
    }

    [Fact]
    public async Task Every_template_builds_without_any_diagnostic()
    {
        using var output = new ScratchDirectory();
        var built = new List<string>();
        foreach (var folder in TemplateFolders)
        {
            // One process per folder: the CLI starts slowly, and a pattern build reports every file it compiled.
            var result = await BicepCli.RunAsync("build", "--pattern", Path.Combine(folder, "*.bicep"), "--outdir", output.Path, "--no-restore");
            Assert.True(result.ExitCode == 0 && result.Diagnostics.Count == 0, result.Describe());
        }

        built.AddRange(Directory.EnumerateFiles(output.Path, "*.json").Select(Path.GetFileNameWithoutExtension)!);
        Assert.Equal(TemplateFiles().Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal), built.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Every_template_lints_clean()
    {
        foreach (var folder in TemplateFolders)
        {
            var result = await BicepCli.RunAsync("lint", "--pattern", Path.Combine(folder, "*.bicep"), "--no-restore");
            Assert.True(result.ExitCode == 0 && result.Diagnostics.Count == 0, result.Describe());
        }
    }

    [Fact]
    public void Every_template_is_checked()
    {
        // A template in a folder the checks above do not look at would escape them.
        var everywhere = Directory.EnumerateFiles(RepositoryRoot.Infra, "*.bicep", SearchOption.AllDirectories)
            .Select(file => Path.GetRelativePath(RepositoryRoot.Infra, file))
            .Where(file => !file.StartsWith("local" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Order(StringComparer.Ordinal);

        Assert.Equal(everywhere, TemplateFiles());
        Assert.Contains("main.bicep", TemplateFiles());
    }

    [Fact]
    public async Task A_type_error_shows_as_a_diagnostic_even_though_bicep_exits_0()
    {
        // Guards the premise of the checks above: were Bicep to stay silent here, "no diagnostic" would prove little.
        using var scratch = new ScratchDirectory();
        scratch.Write("bicepconfig.json", """{ "analyzers": { "core": { "enabled": false } } }""");
        var template = scratch.Write("typo.bicep", """
            resource account 'Microsoft.Storage/storageAccounts@2026-06-01' = {
              name: 'x'
              location: resourceGroup().location
              kind: 'StorageV2'
              sku: {
                name: 'Standard_LRS'
              }
            }
            """);

        var result = await BicepCli.RunAsync("build", template, "--stdout");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Diagnostics, line => line.Contains("Warning BCP", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_repository_bicepconfig_makes_linter_findings_errors()
    {
        using var scratch = new ScratchDirectory();
        File.Copy(Path.Combine(RepositoryRoot.Infra, "bicepconfig.json"), Path.Combine(scratch.Path, "bicepconfig.json"));
        var template = scratch.Write("unused.bicep", """
            param unused string
            """);

        var result = await BicepCli.RunAsync("lint", template);

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains(result.Diagnostics, line => line.Contains("Error no-unused-params", StringComparison.Ordinal));
    }
}

/// <summary>A temporary directory for throwaway templates, deleted afterwards.</summary>
internal sealed class ScratchDirectory : IDisposable
{
    public ScratchDirectory()
    {
        Path = Directory.CreateTempSubdirectory("prefilter-infra-").FullName;
    }

    public string Path { get; }

    public string Write(string name, string text)
    {
        var file = System.IO.Path.Combine(Path, name);
        File.WriteAllText(file, text);
        return file;
    }

    public void Dispose() => Directory.Delete(Path, recursive: true);
}
