using System.Security.Cryptography;
using System.Text;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>
/// Converts SpamAssassin <c>.cf</c> rule files into a <see cref="PatternSet"/>, with the rules SpamAssassin 4.0 would
/// run without Bayes and network tests (score set 0), and a reason for every rule it leaves out.
/// </summary>
/// <remarks>
/// <para>Semantics kept from SpamAssassin:</para>
/// <list type="bullet">
/// <item>Files are read in ordinal order of their names within a directory, directories in the order given; a later definition of a rule, score, description or tflags
/// replaces an earlier one.</item>
/// <item><c>if</c>/<c>ifplugin</c> blocks are decided as described in <c>EmulatedSpamAssassin</c>: only the core regex
/// rules and ReplaceTags count as present plugins.</item>
/// <item>With four scores the first (score set 0: no Bayes, no network tests) is used. A rule without a score gets 1
/// (0.01 for <c>T_</c> rules, negative with <c>tflags nice</c>). A rule whose score is 0 does not run in SpamAssassin —
/// not even for metas — so it is skipped. Sub-rules (<c>__</c>) run but never score, so their score is 0.</item>
/// <item>A meta's reference to a rule that is not in the set (skipped, disabled or never defined) becomes <c>0</c>: in
/// SpamAssassin a rule that did not run did not hit. Each replacement is listed in <see cref="ImportResult.Notes"/>.
/// Metas whose dependencies form a cycle are excluded, as SpamAssassin does.</item>
/// <item><c>local_tests_only</c> in metas is 1: this engine never asks the network.</item>
/// </list>
/// <para>
/// Rule files are read as Latin-1 by <see cref="ImportPaths"/>, so each octet of a pattern stays one character, as in
/// SpamAssassin, which matches rules against octets.
/// </para>
/// </remarks>
public sealed class SpamAssassinImporter
{
    private readonly SpamAssassinImportOptions options;

    /// <summary>Creates an importer.</summary>
    /// <param name="options">Choices; defaults when null.</param>
    public SpamAssassinImporter(SpamAssassinImportOptions? options = null)
    {
        this.options = options ?? new SpamAssassinImportOptions();
    }

    /// <summary>Imports rule files given as readers, read in ordinal order of their names as SpamAssassin reads a directory.</summary>
    /// <param name="files">File names (used for ordering and reports) with their text, one octet per character.</param>
    /// <param name="cancellationToken">Stops the import between lines.</param>
    /// <returns>The set, the skipped rules with reasons, and notes.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="files"/> is null.</exception>
    /// <exception cref="ArgumentException">When no file is given, or a name appears twice.</exception>
    public ImportResult Import(IEnumerable<(string FileName, TextReader Reader)> files, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(files);
        var texts = files.Select(f => (f.FileName, Text: f.Reader.ReadToEnd())).ToList();
        texts.Sort((a, b) => string.CompareOrdinal(a.FileName, b.FileName));
        return Import(texts, options.Created ?? DateTimeOffset.UnixEpoch, cancellationToken);
    }

    /// <summary>
    /// Imports rule files and directories in the order given, as SpamAssassin reads its default rules directory and
    /// then its site directory: a directory contributes its <c>*.cf</c> files (not recursive) in ordinal name order.
    /// Reports name a file by its name, or by its full path when two files share a name.
    /// </summary>
    /// <param name="paths">Files and directories, e.g. <c>/usr/share/spamassassin</c> then <c>/etc/spamassassin</c>.</param>
    /// <param name="cancellationToken">Stops the import between lines.</param>
    /// <returns>The set, the skipped rules with reasons, and notes.</returns>
    /// <exception cref="ArgumentNullException">When <paramref name="paths"/> is null.</exception>
    /// <exception cref="FileNotFoundException">When a path is neither a file nor a directory.</exception>
    /// <exception cref="ArgumentException">When the paths hold no rule file, or name one file twice.</exception>
    public ImportResult ImportPaths(IEnumerable<string> paths, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var found = new List<FileInfo>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                found.AddRange(new DirectoryInfo(path).GetFiles("*.cf", SearchOption.TopDirectoryOnly)
                    .OrderBy(f => f.Name, StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                found.Add(new FileInfo(path));
            }
            else
            {
                throw new FileNotFoundException($"no such rule file or directory: {path}", path);
            }
        }

        var shared = found.GroupBy(f => f.Name, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToHashSet(StringComparer.Ordinal);
        var texts = found
            .Select(f => (shared.Contains(f.Name) ? f.FullName : f.Name, Text: File.ReadAllText(f.FullName, Encoding.Latin1)))
            .ToList();
        var created = options.Created
            ?? (found.Count > 0 ? new DateTimeOffset(found.Max(f => f.LastWriteTimeUtc), TimeSpan.Zero) : DateTimeOffset.UnixEpoch);
        return Import(texts, created, cancellationToken);
    }

    private ImportResult Import(List<(string FileName, string Text)> files, DateTimeOffset created, CancellationToken cancellationToken)
    {
        if (files.Count == 0)
        {
            throw new ArgumentException("no SpamAssassin rule files (*.cf) given", nameof(files));
        }

        var duplicate = files.GroupBy(f => f.FileName, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new ArgumentException($"the rule file {duplicate.Key} is given twice", nameof(files));
        }

        var parser = new RuleFileParser();
        foreach (var (fileName, text) in files)
        {
            using var reader = new StringReader(text);
            parser.Read(fileName, reader, cancellationToken);
        }

        var configuration = parser.Configuration;
        var conversion = new RuleConversion(configuration, options.DecodeUtf8Sequences).Run();
        var updateVersion = configuration.UpdateVersion;
        var version = options.Version ?? updateVersion ?? InputDigest(files)[..12];
        var skipped = configuration.Rejected.Concat(conversion.Skipped)
            .OrderBy(s => s.File, StringComparer.Ordinal).ThenBy(s => s.Line).ThenBy(s => s.RuleId, StringComparer.Ordinal)
            .ToList();
        var set = new PatternSet
        {
            Name = options.Name ?? (updateVersion is null ? "spamassassin" : $"spamassassin-{updateVersion}"),
            Version = version,
            Created = created,
            Description =
                $"Imported from {files.Count} SpamAssassin rule files ({files[0].FileName} … {files[^1].FileName}): " +
                $"the rules SpamAssassin {EmulatedSpamAssassin.Version} runs without Bayes and network tests (score set 0); " +
                $"{skipped.Count} rules skipped.",
            Thresholds = new Thresholds(configuration.RequiredScore ?? 5.0, options.QuarantineScore),
            FreemailDomains = configuration.FreemailDomains,
            Rules = conversion.Rules,
        };

        return new ImportResult
        {
            Set = set,
            Skipped = skipped,
            Notes = configuration.Notes.Concat(conversion.Notes).ToList(),
            Files = files.Select(f => f.FileName).ToList(),
            ExpandedRules = conversion.Expanded,
        };
    }

    private static string InputDigest(List<(string FileName, string Text)> files)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var (fileName, text) in files)
        {
            sha.AppendData(Encoding.UTF8.GetBytes(fileName));
            sha.AppendData([0]);
            sha.AppendData(Encoding.UTF8.GetBytes(text));
            sha.AppendData([0]);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }
}
