using Prefilter.DevServices.Corpus;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;
using Prefilter.Engine.Scanning;

namespace Prefilter.Cli.Benchmarking;

/// <summary>What <c>prefilter bench</c> reports; serialized as is by <c>--json</c>.</summary>
internal sealed record BenchReport
{
    public required string SetName { get; init; }
    public required string SetDigest { get; init; }
    public required int Rules { get; init; }
    public required RuleClassCounts Classes { get; init; }

    /// <summary>Which engine ran the patterns that are linear on both.</summary>
    public required ScanEngineMode EngineMode { get; init; }

    /// <summary>What ran patterns before .NET's engines (<see cref="ScanAccelerator.None"/> when Hyperscan was asked for and did not load).</summary>
    public required ScanAccelerator Accelerator { get; init; }

    /// <summary>Distinct (part, regex) pairs Hyperscan ran, exactly or as a screen.</summary>
    public required int AcceleratedRegexes { get; init; }

    /// <summary>Distinct (part, regex) pairs of the compiled set.</summary>
    public required int DistinctRegexes { get; init; }

    /// <summary>Of those, regexes without a usable literal: they run on every mail, so they are the cost to cut.</summary>
    public required int UnfilteredRegexes { get; init; }

    /// <summary>Regex runs per message on average: a measure of work that does not depend on the machine's load.</summary>
    public required double RegexRunsPerMessage { get; init; }
    public required int Messages { get; init; }
    public required double Megabytes { get; init; }
    public required double ColdStartMs { get; init; }

    /// <summary>Whether the cold start loaded the set's compiled-set artifact (<c>--artifact</c>) instead of analysing the set.</summary>
    public required bool ColdStartFromArtifact { get; init; }

    /// <summary>Scan throughput of the first pass over the corpus, which builds each regex engine on first use.</summary>
    public required double FirstPassMessagesPerSecond { get; init; }

    /// <summary>Live heap the compiled set adds, in MB, above the loaded corpus.</summary>
    public required MemoryFigures Memory { get; init; }

    /// <summary>The linear-engine cache: its budget, peak, builds and evictions.</summary>
    public required LinearEngineFigures LinearEngines { get; init; }

    /// <summary>How many timed passes each of baseline and engine ran; the figures below are from the fastest.</summary>
    public required int Passes { get; init; }

    /// <summary>The baseline: MimeKit parse with every text part decoded to a string.</summary>
    public required double ParseOnlyMessagesPerSecond { get; init; }

    /// <summary>Scan throughput, one thread, warm process.</summary>
    public required double MessagesPerSecond { get; init; }

    /// <summary>Scan time over baseline time for the same corpus: 3.0 means scanning costs three parse-and-decode passes.</summary>
    public required double ScanToParseRatio { get; init; }

    /// <summary>
    /// Time in rules' regex runs per message, warm, from a separate pass that times every run (a regex shared by
    /// several rules counts for each): what of the scan a faster regex engine could save. The rest is parsing, the
    /// literal passes, waking rules and meta evaluation.
    /// </summary>
    public required double RuleCostMsPerMessage { get; init; }

    /// <summary><see cref="RuleCostMsPerMessage"/> over the baseline's time per message.</summary>
    public required double RuleCostToParseRatio { get; init; }

    public required double P50Ms { get; init; }
    public required double P99Ms { get; init; }
    public required double MaxMs { get; init; }
    public required int Incomplete { get; init; }
    public required Verdicts Verdicts { get; init; }
    public required IReadOnlyList<RuleCostLine> TopRules { get; init; }

    /// <summary>SpamAssassin itself on a sample of the corpus, when asked for (<c>--spamassassin-every</c>); else null.</summary>
    public SpamAssassinFigures? SpamAssassin { get; init; }

    /// <summary>Rspamd on every benchmarked message, when asked for (<c>--rspamd</c>); else null.</summary>
    public RspamdFigures? Rspamd { get; init; }
}

/// <summary>SpamAssassin's own check beside the engine, on the same messages.</summary>
/// <param name="Version">SpamAssassin's version.</param>
/// <param name="Messages">Messages both checked: every n-th of the corpus.</param>
/// <param name="CompileSeconds">SpamAssassin loading and compiling its rules.</param>
/// <param name="MessagesPerSecond">SpamAssassin's rate on them, one process, local tests only, no Bayes.</param>
/// <param name="SpamVerdicts">How many of them SpamAssassin judged spam.</param>
/// <param name="ScanMessagesPerSecond">The engine's rate on the same messages, from its fastest pass.</param>
/// <param name="ScanSpeedup">SpamAssassin's time over the engine's on those messages: how many times faster the engine is.</param>
internal sealed record SpamAssassinFigures(
    string Version, int Messages, double CompileSeconds, double MessagesPerSecond, int SpamVerdicts, double ScanMessagesPerSecond, double ScanSpeedup);

/// <summary>Rspamd beside the engine, on the same messages, warm: the fastest of as many passes as the engine's after a warm-up.</summary>
/// <param name="Version">Rspamd's version.</param>
/// <param name="Messages">Messages it checked: all the benchmarked ones.</param>
/// <param name="MessagesPerSecond">Rspamd's rate on them, one worker on the bench's cores, fed one at a time by rspamc, local modules only, no Bayes.</param>
/// <param name="ScanSpeedup">Rspamd's time over the engine's on those messages: how many times faster the engine is.</param>
internal sealed record RspamdFigures(string Version, int Messages, double MessagesPerSecond, double ScanSpeedup);

/// <summary>
/// What the set holds, in MB: the live managed heap it added above the loaded corpus, plus its native memory
/// (Hyperscan's databases and scratch) in every figure taken while a set is loaded.
/// </summary>
/// <param name="AfterColdStartMb">After compile and the first scan.</param>
/// <param name="AfterFirstPassMb">After the first pass over the corpus: every engine the corpus wakes built.</param>
/// <param name="AfterReleaseMb">After the run, when nothing holds the compiled sets any more (managed heap only).</param>
/// <param name="NativeMb">The set's native memory alone.</param>
/// <param name="ThreeSetsMb">
/// A publish's peak: three compiled sets at once (the active set, the canary and the candidate under the gate), two
/// copies of the set each after a first pass beside the warm one, each copy's native memory counted in full.
/// </param>
internal sealed record MemoryFigures(double AfterColdStartMb, double AfterFirstPassMb, double AfterReleaseMb, double NativeMb, double ThreeSetsMb);

/// <summary>The linear engines of the benchmarked set after the timed passes: the budget, the estimated peak they held, builds and evictions.</summary>
internal sealed record LinearEngineFigures(double BudgetMb, double PeakMb, long Builds, long Evictions);

/// <summary>Per-message time distribution in milliseconds.</summary>
internal sealed record Percentiles(double P50, double P99, double Max)
{
    public static Percentiles Of(double[] values)
    {
        var sorted = values.Order().ToArray();
        return new Percentiles(At(sorted, 0.50), At(sorted, 0.99), sorted[^1]);
    }

    private static double At(double[] sorted, double quantile) => sorted[(int)Math.Max(0, Math.Ceiling(quantile * sorted.Length) - 1)];
}

/// <summary>
/// Verdicts against the corpus labels (spam folders vs ham folders); "flagged" means tag or quarantine. Per folder too,
/// with SpamAssassin's own verdicts beside them when it ran.
/// </summary>
internal sealed record Verdicts(int Spam, int SpamFlagged, int Ham, int HamFlagged, IReadOnlyList<FolderVerdicts> Folders)
{
    /// <param name="corpus">The messages.</param>
    /// <param name="flagged">The scan's verdict on each message.</param>
    /// <param name="spamAssassin">SpamAssassin's verdicts by message index, on the messages it checked; null when it did not run.</param>
    public static Verdicts Of(IReadOnlyList<CorpusMessage> corpus, IReadOnlyList<bool> flagged, IReadOnlyDictionary<int, bool>? spamAssassin = null)
    {
        var indexes = Enumerable.Range(0, corpus.Count).ToList();
        var spam = indexes.Where(i => corpus[i].IsSpam).ToList();
        var ham = indexes.Where(i => !corpus[i].IsSpam).ToList();
        var folders = indexes
            .GroupBy(i => corpus[i].Folder, StringComparer.Ordinal)
            .OrderBy(folder => folder.Key, StringComparer.Ordinal)
            .Select(folder => new FolderVerdicts(
                folder.Key,
                corpus[folder.First()].IsSpam,
                folder.Count(),
                folder.Count(i => flagged[i]),
                spamAssassin is null ? null : SpamAssassinVerdicts.Of([.. folder.Where(spamAssassin.ContainsKey)], flagged, spamAssassin)))
            .ToList();
        return new Verdicts(spam.Count, spam.Count(i => flagged[i]), ham.Count, ham.Count(i => flagged[i]), folders);
    }
}

/// <summary>The verdicts on one corpus folder.</summary>
/// <param name="Folder">The folder, relative to the corpus, e.g. <c>spam-2</c>.</param>
/// <param name="Spam">Whether the corpus labels its messages spam.</param>
/// <param name="Messages">Messages in it.</param>
/// <param name="Flagged">Messages the scan tagged or quarantined.</param>
/// <param name="SpamAssassin">SpamAssassin's verdicts on the folder's messages it checked, beside the scan's on the same; null when it did not run.</param>
internal sealed record FolderVerdicts(string Folder, bool Spam, int Messages, int Flagged, SpamAssassinVerdicts? SpamAssassin);

/// <summary>SpamAssassin's verdicts and the scan's on the same messages.</summary>
/// <param name="Messages">Messages SpamAssassin checked.</param>
/// <param name="Flagged">Those SpamAssassin judged spam.</param>
/// <param name="ScanFlagged">Those the scan tagged or quarantined.</param>
internal sealed record SpamAssassinVerdicts(int Messages, int Flagged, int ScanFlagged)
{
    public static SpamAssassinVerdicts Of(IReadOnlyList<int> checkedIndexes, IReadOnlyList<bool> flagged, IReadOnlyDictionary<int, bool> spamAssassin) =>
        new(checkedIndexes.Count, checkedIndexes.Count(i => spamAssassin[i]), checkedIndexes.Count(i => flagged[i]));
}

/// <summary>One rule's sampled regex time over the whole corpus and per message.</summary>
internal sealed record RuleCostLine(string RuleId, double TotalMs, double MsPerMessage);
