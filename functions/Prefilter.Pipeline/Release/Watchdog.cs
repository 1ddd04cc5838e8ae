using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Stats;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// Judges the canary against the active set and moves the release on: rolls the canary back on a breach, advances it
/// when healthy and its stage has baked, promotes it after the last stage. Called by the watchdog timer function and by
/// <c>prefilter watchdog</c>; one run per call, no state of its own.
/// </summary>
/// <remarks>
/// <para>Signals: the canary's p99 scan cost over the active set's (<see cref="WatchdogOptions.MaxP99CostRatio"/>),
/// the canary's deadline hits, the difference of the shares of mail each flags (verdict drift), and the age of the
/// oldest mail in the deliver queue. Cost and drift are judged only once both sets have
/// <see cref="WatchdogOptions.MinimumSamples"/> scans in the window; deadline hits and backlog age from the first.</para>
/// <para>Changes go through <see cref="CanaryController"/>, which names the canary version judged and writes
/// <c>state.json</c> once with its ETag: when another writer changes the state meanwhile, nothing is written and the
/// decision is <see cref="WatchdogOutcome.Conflict"/>; the next run reads again and decides again. Running twice, or
/// on several instances at once, therefore never applies a step twice.</para>
/// </remarks>
public sealed partial class Watchdog
{
    /// <summary>The actor named in the history and audit records the watchdog writes.</summary>
    public const string Actor = "watchdog";

    private readonly PatternStore store;
    private readonly CanaryController canaries;
    private readonly ScanStatsReader stats;
    private readonly IDeliveryBacklog backlog;
    private readonly WatchdogStatusStore status;
    private readonly WatchdogOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<Watchdog> logger;

    /// <summary>Creates the watchdog.</summary>
    /// <param name="store">The release state.</param>
    /// <param name="canaries">The canary's transitions.</param>
    /// <param name="stats">Shared scan figures.</param>
    /// <param name="backlog">Deliver queue backlog.</param>
    /// <param name="status">Where the last decision is kept for status pages.</param>
    /// <param name="options">Window and limits.</param>
    /// <param name="timeProvider">Clock.</param>
    /// <param name="logger">Log (a rollback is logged as critical: it is the alert).</param>
    public Watchdog(
        PatternStore store,
        CanaryController canaries,
        ScanStatsReader stats,
        IDeliveryBacklog backlog,
        WatchdogStatusStore status,
        IOptions<WatchdogOptions> options,
        TimeProvider timeProvider,
        ILogger<Watchdog> logger)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.canaries = canaries ?? throw new ArgumentNullException(nameof(canaries));
        this.stats = stats ?? throw new ArgumentNullException(nameof(stats));
        this.backlog = backlog ?? throw new ArgumentNullException(nameof(backlog));
        this.status = status ?? throw new ArgumentNullException(nameof(status));
        this.options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>
    /// One run: read the state and the figures, decide, apply at most one transition, and keep the decision for status
    /// pages (<see cref="WatchdogStatusStore"/>).
    /// </summary>
    /// <param name="cancellationToken">Cancels the run; a transition is either written whole or not at all.</param>
    /// <returns>What was decided and on which figures.</returns>
    /// <exception cref="PatternStateFormatException"><c>state.json</c> cannot be read.</exception>
    /// <exception cref="ScanStatsFormatException">The stored figures cannot be read.</exception>
    /// <exception cref="PatternSetDigestMismatchException">On promotion: the canary's content no longer matches its digest; not promoted.</exception>
    /// <exception cref="Azure.RequestFailedException">Storage failed; nothing changed, run again.</exception>
    /// <exception cref="Azure.Messaging.ServiceBus.ServiceBusException">The deliver queue cannot be read; nothing changed, run again.</exception>
    public async Task<WatchdogDecision> RunOnceAsync(CancellationToken cancellationToken = default)
    {
        var decision = await DecideAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await status.WriteAsync(decision, cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException exception)
        {
            // The decision stands (a transition is already written); only the status page is stale until the next run.
            LogStatusNotWritten(logger, decision.Outcome, exception);
        }

        return decision;
    }

    private async Task<WatchdogDecision> DecideAsync(CancellationToken cancellationToken)
    {
        var now = timeProvider.GetUtcNow();
        var state = (await store.ReadStateAsync(cancellationToken: cancellationToken).ConfigureAwait(false))?.Snapshot?.State;
        if (state?.Canary is not { } canary)
        {
            return Logged(new WatchdogDecision(WatchdogOutcome.NoCanary, now, "no canary runs"));
        }

        var from = Max(now - options.Window, canary.Since);
        var canaryStats = await stats.ReadAsync(canary.Set.Digest, from, now, cancellationToken: cancellationToken).ConfigureAwait(false);
        var activeStats = state.Active is { } active
            ? await stats.ReadAsync(active.Digest, from, now, cancellationToken: cancellationToken).ConfigureAwait(false)
            : ScanStats.Empty;
        var backlogAge = await backlog.OldestMessageAgeAsync(cancellationToken).ConfigureAwait(false);
        var enough = state.Active is not null && canaryStats.Count >= options.MinimumSamples && activeStats.Count >= options.MinimumSamples;
        var judged = new WatchdogDecision(WatchdogOutcome.Waiting, now, "")
        {
            Canary = canary,
            Active = state.Active,
            CanaryFigures = WatchdogFigures.Of(canaryStats),
            ActiveFigures = WatchdogFigures.Of(activeStats),
            BacklogAge = backlogAge,
            BakedAt = canaries.BakedAt(canary),
            Breaches = Breaches(canaryStats, activeStats, backlogAge, enough),
        };

        if (judged.Breaches.Count > 0)
        {
            return await RollBackAsync(judged, cancellationToken).ConfigureAwait(false);
        }

        if (!enough)
        {
            var why = state.Active is null
                ? "there is no active set to compare with"
                : string.Create(CultureInfo.InvariantCulture, $"canary {canaryStats.Count} and active {activeStats.Count} scans since {from:O}; {options.MinimumSamples} each needed");
            return Logged(judged with { Summary = $"waiting: {why}" });
        }

        return await ProgressAsync(judged, cancellationToken).ConfigureAwait(false);
    }

    private List<WatchdogBreach> Breaches(ScanStats canary, ScanStats active, TimeSpan? backlogAge, bool enough)
    {
        var breaches = new List<WatchdogBreach>();
        if (canary.DeadlineHits > options.MaxDeadlineHits)
        {
            breaches.Add(new WatchdogBreach(
                WatchdogBreach.DeadlineHits,
                canary.DeadlineHits,
                options.MaxDeadlineHits,
                Text($"deadline hits {canary.DeadlineHits} in {canary.Count} canary scans, limit {options.MaxDeadlineHits}")));
        }

        if (backlogAge is { } age && age > options.MaxBacklogAge)
        {
            breaches.Add(new WatchdogBreach(
                WatchdogBreach.BacklogAge,
                age.TotalMinutes,
                options.MaxBacklogAge.TotalMinutes,
                Text($"oldest mail in the deliver queue waits {age:c}, limit {options.MaxBacklogAge:c}")));
        }

        if (!enough)
        {
            return breaches;
        }

        var ratio = canary.P99.Ticks / (double)Math.Max(1, active.P99.Ticks);
        if (canary.P99 > options.CostNoiseFloor && ratio > options.MaxP99CostRatio)
        {
            breaches.Add(new WatchdogBreach(
                WatchdogBreach.P99CostRatio,
                ratio,
                options.MaxP99CostRatio,
                Text($"p99 cost ratio {ratio:0.00} (canary {canary.P99.TotalMilliseconds:0.###} ms vs active {active.P99.TotalMilliseconds:0.###} ms), limit {options.MaxP99CostRatio:0.##}")));
        }

        var drift = Math.Abs(canary.FlaggedShare - active.FlaggedShare) * 100;
        if (drift > options.MaxVerdictDriftPoints)
        {
            breaches.Add(new WatchdogBreach(
                WatchdogBreach.VerdictDrift,
                drift,
                options.MaxVerdictDriftPoints,
                Text($"verdict drift {drift:0.##} points (canary flags {canary.FlaggedShare * 100:0.##} % of {canary.Count}, active {active.FlaggedShare * 100:0.##} % of {active.Count}), limit {options.MaxVerdictDriftPoints:0.##}")));
        }

        return breaches;
    }

    private async Task<WatchdogDecision> RollBackAsync(WatchdogDecision judged, CancellationToken cancellationToken)
    {
        var canary = judged.Canary!;
        var reason = "watchdog rollback: " + string.Join("; ", judged.Breaches.Select(breach => breach.Description));
        try
        {
            await canaries.RollBackAsync(canary.Set.Version, Actor, reason, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is PatternStateConflictException or ReleaseConflictException)
        {
            return Logged(judged with { Outcome = WatchdogOutcome.Conflict, Summary = $"breach found but the state changed meanwhile ({exception.Message}); the next run decides again: {reason}" });
        }

        LogRolledBack(logger, canary.Set.Version, canary.Stage, canary.SharePercent, reason);
        return judged with { Outcome = WatchdogOutcome.RolledBack, Summary = reason };
    }

    private async Task<WatchdogDecision> ProgressAsync(WatchdogDecision judged, CancellationToken cancellationToken)
    {
        var canary = judged.Canary!;
        var figures = $"healthy: canary {judged.CanaryFigures}; active {judged.ActiveFigures}";
        CanaryStepResult step;
        try
        {
            step = await canaries.ProgressAsync(canary.Set.Version, Actor, figures, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is PatternStateConflictException or ReleaseConflictException)
        {
            return Logged(judged with { Outcome = WatchdogOutcome.Conflict, Summary = $"healthy but the state changed meanwhile ({exception.Message}); the next run decides again" });
        }

        return Logged(step.Step switch
        {
            CanaryStep.Baking => judged with { Outcome = WatchdogOutcome.Baking, Summary = Text($"{figures}; stage {canary.Stage} bakes until {judged.BakedAt:O}") },
            CanaryStep.Advanced => judged with { Outcome = WatchdogOutcome.Advanced, Summary = Text($"{figures}; advanced to stage {step.Canary!.Stage} ({step.Canary.SharePercent} % of mail)") },
            CanaryStep.Promoted => judged with { Outcome = WatchdogOutcome.Promoted, Summary = $"{figures}; promoted to active, {judged.Active} is last known good" },
            _ => throw new InvalidOperationException($"a progress step cannot be {step.Step}"),
        });
    }

    private WatchdogDecision Logged(WatchdogDecision decision)
    {
        LogDecision(logger, decision.Outcome, decision.Canary?.Set.Version, decision.Summary);
        return decision;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 340, Level = LogLevel.Critical, Message = "Watchdog rolled back canary {Version} at stage {Stage} ({SharePercent} % of mail): {Reason}")]
    private static partial void LogRolledBack(ILogger logger, string version, int stage, double sharePercent, string reason);

    [LoggerMessage(EventId = 342, Level = LogLevel.Warning, Message = "Watchdog decision {Outcome} could not be written to the status document")]
    private static partial void LogStatusNotWritten(ILogger logger, WatchdogOutcome outcome, Exception exception);

    [LoggerMessage(EventId = 341, Level = LogLevel.Information, Message = "Watchdog {Outcome} (canary {Version}): {Summary}")]
    private static partial void LogDecision(ILogger logger, WatchdogOutcome outcome, string? version, string summary);
}
