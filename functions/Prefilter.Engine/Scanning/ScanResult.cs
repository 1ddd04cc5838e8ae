using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Scanning;

/// <summary>The verdict of one scan.</summary>
public sealed record ScanResult
{
    /// <summary>Sum of the scores of the rules that hit.</summary>
    public required double Score { get; init; }

    /// <summary>
    /// The action the set's thresholds give for <see cref="Score"/>, and at least <see cref="VerdictAction.Tag"/> for
    /// a mail that nests parts deeper than the parser reads (<see cref="Messages.MessageView.NestedTooDeep"/>): text
    /// hidden there is suspicious whatever the rules found.
    /// </summary>
    public required VerdictAction Action { get; init; }

    /// <summary>Every rule that hit (meta and zero-score rules included), in set order.</summary>
    public required IReadOnlyList<RuleHit> Hits { get; init; }

    /// <summary>Digest of the set that produced the verdict.</summary>
    public required string SetDigest { get; init; }

    /// <summary>Time the scan took, parsing included.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>
    /// Part of <see cref="Elapsed"/> spent building regex engines that this scan was the first to need (on a cold
    /// instance); the deadline leaves it out. Zero once the set is warm.
    /// </summary>
    public TimeSpan EngineBuildTime { get; init; }

    /// <summary>
    /// True when rules did not see all of the mail or not all rules ran: a message cap cut it, the deadline passed,
    /// a backtracking run timed out, or the mail could not be read. The verdict covers what was scanned.
    /// </summary>
    public required bool Incomplete { get; init; }

    /// <summary>
    /// True when the per-message deadline stopped the scan — the one cause of <see cref="Incomplete"/> that a pattern set
    /// can bring about; caps and unreadable mail cut scans whatever the rules.
    /// </summary>
    public bool DeadlineExceeded { get; init; }

    /// <summary>What made the scan incomplete, for counting; <see cref="IncompleteCauses.None"/> when complete.</summary>
    public IncompleteCauses IncompleteCauses { get; init; }

    /// <summary>Why the scan is incomplete, in plain words; null when complete.</summary>
    public string? IncompleteReason { get; init; }

    /// <summary>
    /// Time spent in each rule's regexes, most expensive first, when this scan was sampled; otherwise null. Engines
    /// built during the run do not count (<see cref="EngineBuildTime"/>), so a cold set's costs compare with a warm one's.
    /// </summary>
    public IReadOnlyList<RuleCost>? RuleCosts { get; init; }

    /// <summary>Number of regex runs the scan made (units a regex was run on), for cost reports.</summary>
    public int RegexRuns { get; init; }
}

/// <summary>A rule that hit.</summary>
/// <param name="RuleId">The rule's id.</param>
/// <param name="Score">The score it added.</param>
public sealed record RuleHit(string RuleId, double Score);

/// <summary>Sampled time spent running one rule's regexes during a scan.</summary>
/// <param name="RuleId">The rule's id.</param>
/// <param name="Elapsed">Time in the rule's regex runs (a regex shared by several rules counts for each).</param>
public sealed record RuleCost(string RuleId, TimeSpan Elapsed)
{
    /// <summary>How many units (paragraphs, header values, URIs, lines) the rule's regex ran on.</summary>
    public int Runs { get; init; }
}
