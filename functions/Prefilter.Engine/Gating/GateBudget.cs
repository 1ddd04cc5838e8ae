namespace Prefilter.Engine.Gating;

/// <summary>
/// What a candidate pattern set may cost and change before the gate refuses it. Bound from configuration
/// (section <c>Gate</c>) so operators tune it without a code change.
/// </summary>
public sealed record GateBudget
{
    /// <summary>Candidate p99 scan time over the active set's p99 on the same corpus in the same run. Default 1.5.</summary>
    public double MaxP99CostRatio { get; init; } = 1.5;

    /// <summary>
    /// Absolute p99 ceiling, used as well when there is no active set to compare with (the first publish).
    /// Default 500 ms, a quarter of the default deadline: the adversarial mail (2 MB lines, 20,000 headers) makes the
    /// p99 of a small gate corpus mostly parsing, so a tight ceiling would refuse harmless sets on a busy host.
    /// </summary>
    public TimeSpan MaxP99Cost { get; init; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Messages of the gate corpus (real and adversarial) allowed to hit the per-message deadline. Default 0.</summary>
    public int MaxDeadlineHits { get; init; }

    /// <summary>Mail the active set delivers that the candidate would tag or quarantine. Default 10.</summary>
    public int MaxHamToSpamFlips { get; init; } = 10;

    /// <summary>Mail the active set tags or quarantines that the candidate would deliver. Default 50.</summary>
    public int MaxSpamToHamFlips { get; init; } = 50;

    /// <summary>Rules and meta combinations named in a report as the most costly. Default 10.</summary>
    public int TopN { get; init; } = 10;

    /// <summary>
    /// Scans of each message per set, at least; a message's cost is the fastest of them, so a GC pause or a busy
    /// neighbour in one scan does not read as a costly rule. A corpus of fewer than <see cref="MinTimedScans"/> messages
    /// has each message scanned more often, up to <see cref="MaxTimingRuns"/>: with few messages the p99 rests on one or
    /// two of them, and only more scans of those find the time that noise did not inflate. Default 3.
    /// </summary>
    public int TimingRuns { get; init; } = 3;

    /// <summary>Timed scans per set that a small corpus is brought up to (<see cref="TimingRuns"/>). Default 500.</summary>
    public int MinTimedScans { get; init; } = 500;

    /// <summary>The most scans of each message per set that a small corpus gets (<see cref="TimingRuns"/>). Default 25.</summary>
    public int MaxTimingRuns { get; init; } = 25;

    /// <summary>
    /// Below this p99 (both sets) cost ratios are not judged: at tens of microseconds timer noise dominates and a
    /// 1.5× "regression" means nothing. Default 0.2 ms.
    /// </summary>
    public TimeSpan CostNoiseFloor { get; init; } = TimeSpan.FromMilliseconds(0.2);
}
