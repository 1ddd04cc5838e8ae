using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Release;

/// <summary>When the watchdog judges a canary and which limits roll it back; bound from the <c>Watchdog</c> section.</summary>
public sealed class WatchdogOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Watchdog";

    /// <summary>
    /// How far back figures are compared (never before the current stage began). Default 15 min. Figures come in whole
    /// <c>ScanStats:Window</c> windows, so the start is rounded down to one.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Scans the canary and the active set each need in the window before cost and verdict mix are judged (and before
    /// the canary may move on). Default 200. Deadline hits and backlog age are judged from the first scan.
    /// </summary>
    [Range(1, 10_000_000)]
    public int MinimumSamples { get; set; } = 200;

    /// <summary>Largest allowed ratio of the canary's p99 scan cost to the active set's. Default 1.5.</summary>
    [Range(1.0, 1000.0)]
    public double MaxP99CostRatio { get; set; } = 1.5;

    /// <summary>A canary p99 cost at or below this never breaches the ratio (tiny costs are noise). Default 1 ms.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:01:00")]
    public TimeSpan CostNoiseFloor { get; set; } = TimeSpan.FromMilliseconds(1);

    /// <summary>Most deadline hits the canary may have in the window. Default 0: one hit rolls it back.</summary>
    [Range(0, int.MaxValue)]
    public int MaxDeadlineHits { get; set; }

    /// <summary>
    /// Largest allowed difference, in percentage points, between the shares of mail the canary and the active set flag
    /// (tag or quarantine). Default 5.
    /// </summary>
    [Range(0.0, 100.0)]
    public double MaxVerdictDriftPoints { get; set; } = 5;

    /// <summary>Oldest a mail may wait in the deliver queue while a canary runs. Default 10 min.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MaxBacklogAge { get; set; } = TimeSpan.FromMinutes(10);
}
