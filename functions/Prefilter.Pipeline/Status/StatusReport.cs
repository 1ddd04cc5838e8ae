using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Status;

/// <summary>
/// The operator's figures beside the release state (<c>GET /api/patterns</c>): scan figures per version, the newest
/// gate report, the watchdog's last decision, mail flow and the dead-letter queue. Each figure is read from the one
/// store that keeps it; nothing here is stored.
/// </summary>
/// <param name="At">When it was read (the server's clock; the page counts the bake time left from it).</param>
/// <param name="Since">Start of the range of the scan figures and mail counts.</param>
/// <param name="Interval">Length of one point of <see cref="VersionFigures.Points"/>.</param>
public sealed record StatusReport(DateTimeOffset At, DateTimeOffset Since, TimeSpan Interval)
{
    /// <summary>When the canary's current stage has baked; null without a canary.</summary>
    public DateTimeOffset? CanaryBakedAt { get; init; }

    /// <summary>The versions that served in the range (active, canary, last known good, and any the history names), with their figures.</summary>
    public IReadOnlyList<VersionFigures> Versions { get; init; } = [];

    /// <summary>The gate report written last; null before the first gate run.</summary>
    public StoredGateReport? GateReport { get; init; }

    /// <summary>The watchdog's last decision; null before its first run.</summary>
    public WatchdogDecision? Watchdog { get; init; }

    /// <summary>Mail received in the range and where it stands.</summary>
    public required MailCounts Mail { get; init; }

    /// <summary>The deliver queue's dead-letter queue.</summary>
    public required DeadLetterSummary DeadLetters { get; init; }
}

/// <summary>One version's scan figures over the range.</summary>
/// <param name="Version">The version.</param>
/// <param name="Digest">Its digest.</param>
/// <param name="Role">What it is now: <see cref="ActiveRole"/>, <see cref="CanaryRole"/>, <see cref="LastKnownGoodRole"/> or <see cref="EarlierRole"/>.</param>
/// <param name="Total">All its scans in the range, merged.</param>
/// <param name="Points">Its scans per interval, oldest first; intervals without scans left out.</param>
public sealed record VersionFigures(string Version, string Digest, string Role, ScanStats Total, IReadOnlyList<ScanStatsPoint> Points)
{
    /// <summary>The version serving all mail no canary takes.</summary>
    public const string ActiveRole = "active";

    /// <summary>The version serving the canary share.</summary>
    public const string CanaryRole = "canary";

    /// <summary>The version a rollback returns to.</summary>
    public const string LastKnownGoodRole = "last-known-good";

    /// <summary>A version that served in the range and serves no more.</summary>
    public const string EarlierRole = "earlier";
}
