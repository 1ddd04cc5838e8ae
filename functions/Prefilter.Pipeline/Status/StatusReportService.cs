using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Status;

/// <summary>Reads a <see cref="StatusReport"/> from the stores that keep its figures.</summary>
public sealed class StatusReportService
{
    /// <summary>Points per chart: the range is cut into about this many intervals.</summary>
    public const int PointsPerRange = 24;

    /// <summary>Newest dead-lettered messages reported.</summary>
    public const int NewestDeadLetters = 5;

    private readonly PatternStore store;
    private readonly ReleaseDocuments documents;
    private readonly CanaryController canaries;
    private readonly WatchdogStatusStore watchdog;
    private readonly ScanStatsReader stats;
    private readonly MailStore mails;
    private readonly DeadLetterQueueProbe deadLetters;
    private readonly TimeSpan window;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates the service.</summary>
    /// <param name="store">The release state.</param>
    /// <param name="documents">Gate reports.</param>
    /// <param name="canaries">Bake times of the canary plan.</param>
    /// <param name="watchdog">The watchdog's last decision.</param>
    /// <param name="stats">Shared scan figures.</param>
    /// <param name="scanStatsOptions">The figures' window (intervals are whole windows).</param>
    /// <param name="mails">The mail store.</param>
    /// <param name="deadLetters">The dead-letter queue.</param>
    /// <param name="timeProvider">Clock.</param>
    public StatusReportService(
        PatternStore store,
        ReleaseDocuments documents,
        CanaryController canaries,
        WatchdogStatusStore watchdog,
        ScanStatsReader stats,
        IOptions<ScanStatsOptions> scanStatsOptions,
        MailStore mails,
        DeadLetterQueueProbe deadLetters,
        TimeProvider timeProvider)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.documents = documents ?? throw new ArgumentNullException(nameof(documents));
        this.canaries = canaries ?? throw new ArgumentNullException(nameof(canaries));
        this.watchdog = watchdog ?? throw new ArgumentNullException(nameof(watchdog));
        this.stats = stats ?? throw new ArgumentNullException(nameof(stats));
        window = (scanStatsOptions ?? throw new ArgumentNullException(nameof(scanStatsOptions))).Value.Window;
        this.mails = mails ?? throw new ArgumentNullException(nameof(mails));
        this.deadLetters = deadLetters ?? throw new ArgumentNullException(nameof(deadLetters));
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    }

    /// <summary>Reads the figures of the last <paramref name="range"/>.</summary>
    /// <param name="range">How far back scan figures and mail counts go.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="ArgumentOutOfRangeException">The range is not positive.</exception>
    /// <exception cref="PatternStateFormatException"><c>state.json</c> cannot be read.</exception>
    /// <exception cref="ScanStatsFormatException">The stored figures cannot be read.</exception>
    /// <exception cref="Azure.RequestFailedException">Storage failed.</exception>
    /// <exception cref="Azure.Messaging.ServiceBus.ServiceBusException">The dead-letter queue cannot be read.</exception>
    public async Task<StatusReport> ReadAsync(TimeSpan range, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(range, TimeSpan.Zero);
        var now = timeProvider.GetUtcNow();
        var since = now - range;

        // Whole windows per interval, so no window's figures are split between two points.
        var interval = TimeSpan.FromTicks(Math.Max(1, (long)Math.Ceiling((double)range.Ticks / PointsPerRange / window.Ticks)) * window.Ticks);
        var state = (await store.ReadStateAsync(cancellationToken: cancellationToken).ConfigureAwait(false))?.Snapshot?.State ?? new PatternState();

        var versions = new List<VersionFigures>();
        foreach (var (set, role) in Served(state, since))
        {
            var points = await stats.ReadSeriesAsync(set.Digest, since, now, interval, cancellationToken).ConfigureAwait(false);
            var total = points.Aggregate(ScanStats.Empty, (sum, point) => sum.Merge(point.Stats));
            versions.Add(new VersionFigures(set.Version, set.Digest, role, total, points));
        }

        return new StatusReport(now, since, interval)
        {
            CanaryBakedAt = state.Canary is { } canary ? canaries.BakedAt(canary) : null,
            Versions = versions,
            GateReport = await documents.ReadNewestGateReportAsync(cancellationToken).ConfigureAwait(false),
            Watchdog = await watchdog.ReadAsync(cancellationToken).ConfigureAwait(false),
            Mail = await MailCounts.CountAsync(mails, since, now, cancellationToken).ConfigureAwait(false),
            DeadLetters = await deadLetters.PeekAsync(NewestDeadLetters, cancellationToken).ConfigureAwait(false),
        };
    }

    /// <summary>The versions with a role now, then those the history names since <paramref name="since"/>, each once.</summary>
    private static IEnumerable<(PatternSetRef Set, string Role)> Served(PatternState state, DateTimeOffset since)
    {
        var candidates = new List<(PatternSetRef? Set, string Role)>
        {
            (state.Active, VersionFigures.ActiveRole),
            (state.Canary?.Set, VersionFigures.CanaryRole),
            (state.LastKnownGood, VersionFigures.LastKnownGoodRole),
        };
        foreach (var change in state.History.Where(change => change.At >= since).Reverse())
        {
            candidates.Add((change.To, VersionFigures.EarlierRole));
            candidates.Add((change.From, VersionFigures.EarlierRole));
        }

        var seen = new HashSet<PatternSetRef>();
        foreach (var (set, role) in candidates)
        {
            if (set is not null && seen.Add(set))
            {
                yield return (set, role);
            }
        }
    }
}
