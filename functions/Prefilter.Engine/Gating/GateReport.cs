using Prefilter.Engine.Linting;

namespace Prefilter.Engine.Gating;

/// <summary>The gate's verdict on a candidate pattern set, stored beside the version and returned by the API.</summary>
public sealed record GateReport
{
    /// <summary>Digest of the candidate set.</summary>
    public required string CandidateDigest { get; init; }

    /// <summary>Digest of the set it was compared with, or null on the first publish.</summary>
    public string? ActiveDigest { get; init; }

    /// <summary>True when the candidate may be released (as canary).</summary>
    public required bool Passed { get; init; }

    /// <summary>Why it was refused, one plain sentence per breached budget; empty when passed.</summary>
    public required IReadOnlyList<string> Refusals { get; init; }

    /// <summary>Rules the refusals point at (costliest first), for the operator to strip or fix.</summary>
    public required IReadOnlyList<string> Blamed { get; init; }

    /// <summary>The lint result of the candidate.</summary>
    public required LintReport Lint { get; init; }

    /// <summary>Real-traffic messages in the gate corpus.</summary>
    public int SampleMessages { get; init; }

    /// <summary>Adversarial messages generated for the candidate's own rules.</summary>
    public int AdversarialMessages { get; init; }

    /// <summary>Scans of each message per set behind the costs (<see cref="GateBudget.TimingRuns"/>): more when the corpus is small.</summary>
    public int TimingRuns { get; init; }

    /// <summary>Cost of the candidate on the whole gate corpus; null when it could not be compiled.</summary>
    public CostSummary? Candidate { get; init; }

    /// <summary>Cost of the active set on the same corpus, measured interleaved with the candidate.</summary>
    public CostSummary? Active { get; init; }

    /// <summary>Candidate p99 over active p99.</summary>
    public double? P99CostRatio { get; init; }

    /// <summary>The same ratio with its 95 % bootstrap interval (<see cref="CostRatioEstimate"/>); the gate judges the lower bound. Null on a first publish.</summary>
    public CostRatioEstimate? P99CostRatioInterval { get; init; }

    /// <summary>What the costs were measured with: CPU time of the scanning thread where the platform allows it.</summary>
    public CostClock CostClock { get; init; }

    /// <summary>
    /// Each message's cost under both sets, the measurements behind <see cref="P99CostRatioInterval"/>; null on a first
    /// publish. Not serialized, so a stored report stays small; <c>prefilter gate --costs</c> writes them out.
    /// </summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public PairedCosts? Costs { get; init; }

    /// <summary>Mail the active set delivers and the candidate would tag or quarantine.</summary>
    public int HamToSpamFlips { get; init; }

    /// <summary>Mail the active set flags and the candidate would deliver.</summary>
    public int SpamToHamFlips { get; init; }

    /// <summary>Up to <see cref="GateBudget.TopN"/> examples of flips.</summary>
    public IReadOnlyList<VerdictFlip> FlipExamples { get; init; } = [];

    /// <summary>
    /// Costliest rules of the candidate on the costliest tenth of the corpus, with their extra cost over the same rule in
    /// the active set.
    /// </summary>
    public IReadOnlyList<RuleCostShare> TopRules { get; init; } = [];

    /// <summary>Costliest meta rules, counting the cost of every rule they combine.</summary>
    public IReadOnlyList<RuleCostShare> TopCombinations { get; init; } = [];
}

/// <summary>Per-message scan time of one set on the gate corpus.</summary>
/// <param name="P50">Median.</param>
/// <param name="P99">99th percentile.</param>
/// <param name="Max">Slowest message.</param>
/// <param name="DeadlineHits">Scans the per-message deadline stopped.</param>
public sealed record CostSummary(TimeSpan P50, TimeSpan P99, TimeSpan Max, int DeadlineHits)
{
    /// <summary>90th percentile: messages from here on get per-rule cost attribution.</summary>
    public TimeSpan P90 { get; init; }
}

/// <summary>Per-message costs of the candidate and the active set, in corpus order, as the gate judged them.</summary>
/// <param name="MessageIds">Corpus message ids.</param>
/// <param name="Candidate">The candidate's cost of each message (the lowest of its timing runs).</param>
/// <param name="Active">The active set's cost of the same messages.</param>
public sealed record PairedCosts(IReadOnlyList<string> MessageIds, IReadOnlyList<TimeSpan> Candidate, IReadOnlyList<TimeSpan> Active);

/// <summary>A message on which the candidate and the active set disagree.</summary>
/// <param name="MessageId">Corpus message id.</param>
/// <param name="Active">Verdict of the active set.</param>
/// <param name="Candidate">Verdict of the candidate.</param>
/// <param name="CandidateRules">Rules of the candidate that hit.</param>
public sealed record VerdictFlip(string MessageId, PatternSets.VerdictAction Active, PatternSets.VerdictAction Candidate, IReadOnlyList<string> CandidateRules);

/// <summary>Time attributed to a rule (or a meta and everything it combines) over the gate corpus.</summary>
/// <param name="RuleId">The rule.</param>
/// <param name="Cost">Total sampled time in the candidate.</param>
/// <param name="ExtraOverActive">Cost minus the same rule's cost in the active set (all of it for a new rule).</param>
public sealed record RuleCostShare(string RuleId, TimeSpan Cost, TimeSpan ExtraOverActive);
