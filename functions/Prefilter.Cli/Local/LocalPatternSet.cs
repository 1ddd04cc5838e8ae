using Prefilter.DevServices;

namespace Prefilter.Cli.Local;

/// <summary>The pattern set <c>prefilter up</c> loads: a given file, else the imported SpamAssassin set when present, else the built-in default.</summary>
internal static class LocalPatternSet
{
    /// <summary>Where <c>prefilter import-sa … -o</c> output is picked up from by <c>prefilter up</c>.</summary>
    public static string ImportedSpamAssassinPath => Path.Combine(LocalState.Directory, "spamassassin.json");

    /// <summary>The small built-in default set embedded in the CLI.</summary>
    /// <exception cref="InvalidOperationException">The resource is missing from the assembly.</exception>
    public static string BuiltInJson()
    {
        using var stream = typeof(LocalPatternSet).Assembly.GetManifestResourceStream("Prefilter.Cli.Local.default-patterns.json")
            ?? throw new InvalidOperationException("the built-in default pattern set is missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>The set's JSON and where it came from.</summary>
    /// <param name="path">An explicit file, or null.</param>
    /// <exception cref="CommandException">The explicit file cannot be read.</exception>
    public static (string Json, string Source) Load(string? path)
    {
        if (path is not null)
        {
            return (Inputs.ReadSetText(path), path);
        }

        if (File.Exists(ImportedSpamAssassinPath))
        {
            return (Inputs.ReadSetText(ImportedSpamAssassinPath), ImportedSpamAssassinPath);
        }

        return (BuiltInJson(), "built-in default set (functions/Prefilter.Cli/Local/default-patterns.json)");
    }
}
