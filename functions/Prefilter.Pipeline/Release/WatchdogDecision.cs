using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Stats;

namespace Prefilter.Pipeline.Release;

/// <summary>What one watchdog run decided and on which figures; for logs, the timer function and status pages.</summary>
/// <param name="Outcome">What was done.</param>
/// <param name="At">When the run decided.</param>
/// <param name="Summary">One sentence for operators.</param>
public sealed record WatchdogDecision(WatchdogOutcome Outcome, DateTimeOffset At, string Summary)
{
    /// <summary>The canary judged; null without one.</summary>
    public PatternCanary? Canary { get; init; }

    /// <summary>The active set it was compared with.</summary>
    public PatternSetRef? Active { get; init; }

    /// <summary>The canary's figures in the window.</summary>
    public WatchdogFigures? CanaryFigures { get; init; }

    /// <summary>The active set's figures in the window.</summary>
    public WatchdogFigures? ActiveFigures { get; init; }

    /// <summary>Age of the oldest mail in the deliver queue; null when it is empty or no canary runs.</summary>
    public TimeSpan? BacklogAge { get; init; }

    /// <summary>The limits the canary broke (empty unless <see cref="WatchdogOutcome.RolledBack"/>, or a conflict stopped the rollback).</summary>
    public IReadOnlyList<WatchdogBreach> Breaches { get; init; } = [];

    /// <summary>When the canary's current stage has baked.</summary>
    public DateTimeOffset? BakedAt { get; init; }
}

/// <summary>The figures of one set the watchdog compared (from the merged <see cref="ScanStats"/>).</summary>
/// <param name="Count">Scans in the window.</param>
/// <param name="P50">Estimated median cost.</param>
/// <param name="P99">Estimated 99th percentile cost.</param>
/// <param name="DeadlineHits">Scans the deadline stopped.</param>
/// <param name="Incomplete">Incomplete scans (deadline hits included).</param>
/// <param name="FlaggedPercent">Share of mail tagged or quarantined, in percent.</param>
public sealed record WatchdogFigures(long Count, TimeSpan P50, TimeSpan P99, long DeadlineHits, long Incomplete, double FlaggedPercent)
{
    /// <summary>The figures of merged scan stats.</summary>
    /// <param name="stats">The stats.</param>
    public static WatchdogFigures Of(ScanStats stats)
    {
        ArgumentNullException.ThrowIfNull(stats);
        return new(stats.Count, stats.P50, stats.P99, stats.DeadlineHits, stats.Incomplete, stats.FlaggedShare * 100);
    }

    /// <inheritdoc />
    public override string ToString() =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{Count} scans, p50 {P50.TotalMilliseconds:0.###} ms, p99 {P99.TotalMilliseconds:0.###} ms, {DeadlineHits} deadline hits, flagged {FlaggedPercent:0.##} %");
}

/// <summary>What a watchdog run did.</summary>
public enum WatchdogOutcome
{
    /// <summary>No canary runs; nothing to judge.</summary>
    NoCanary,

    /// <summary>Too few scans to judge cost and verdicts yet; nothing changed.</summary>
    Waiting,

    /// <summary>Healthy, but the current stage has not baked yet; nothing changed.</summary>
    Baking,

    /// <summary>Healthy and baked: the canary moved to the next stage.</summary>
    Advanced,

    /// <summary>Healthy and the last stage baked: the canary became the active set; the previous one is last known good.</summary>
    Promoted,

    /// <summary>A limit was broken: the canary was stopped and the active set serves all mail.</summary>
    RolledBack,

    /// <summary>The state changed while the run decided (another writer won); nothing written, the next run decides again.</summary>
    Conflict,
}

/// <summary>A limit the canary broke.</summary>
/// <param name="Limit">Which: <see cref="P99CostRatio"/>, <see cref="DeadlineHits"/>, <see cref="VerdictDrift"/> or <see cref="BacklogAge"/>.</param>
/// <param name="Observed">The value seen (ratio, count, percentage points, or minutes for the backlog).</param>
/// <param name="Allowed">The limit (same unit).</param>
/// <param name="Description">The breach in words, with the figures.</param>
public sealed record WatchdogBreach(string Limit, double Observed, double Allowed, string Description)
{
    /// <summary>The canary's p99 cost over the active set's.</summary>
    public const string P99CostRatio = "p99-cost-ratio";

    /// <summary>Scans of the canary the per-message deadline stopped.</summary>
    public const string DeadlineHits = "deadline-hits";

    /// <summary>Difference of the flagged shares, in percentage points.</summary>
    public const string VerdictDrift = "verdict-drift";

    /// <summary>Age of the oldest mail in the deliver queue.</summary>
    public const string BacklogAge = "backlog-age";
}
