using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// The canary's state transitions, for the watchdog and for operators: progress through the stages of
/// <see cref="ReleaseOptions.Stages"/> (advance, then promote), or cancel. Deciding whether the canary is healthy is the
/// watchdog's job; this class only changes the state, safely.
/// </summary>
/// <remarks>
/// Every method names the canary version it means: if another canary (or none) is in the state, it refuses with
/// <see cref="ReleaseConflict.CanaryMismatch"/> instead of acting on a release the caller did not evaluate. Every change
/// is one <see cref="ReleaseStateCommitter"/> commit under the ETag read (a concurrent change:
/// <see cref="PatternStateConflictException"/>, nothing written).
/// </remarks>
public sealed partial class CanaryController
{
    private readonly PatternStore store;
    private readonly ReleaseStateCommitter committer;
    private readonly ReleaseOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<CanaryController> logger;

    /// <summary>Creates the controller.</summary>
    /// <param name="store">Versions (a canary is checked before promotion).</param>
    /// <param name="committer">Reads and commits the state.</param>
    /// <param name="options">The canary plan.</param>
    /// <param name="timeProvider">Clock for bake times.</param>
    /// <param name="logger">Log.</param>
    public CanaryController(PatternStore store, ReleaseStateCommitter committer, IOptions<ReleaseOptions> options, TimeProvider timeProvider, ILogger<CanaryController> logger)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.committer = committer ?? throw new ArgumentNullException(nameof(committer));
        this.options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The canary plan in force.</summary>
    public IReadOnlyList<CanaryStage> Stages => options.Stages;

    /// <summary>When the canary's current stage has baked (it may move on from then); stages past the plan use the last stage's bake time.</summary>
    /// <param name="canary">The canary.</param>
    public DateTimeOffset BakedAt(PatternCanary canary)
    {
        ArgumentNullException.ThrowIfNull(canary);
        return canary.Since + options.Stages[Math.Clamp(canary.Stage, 0, options.Stages.Count - 1)].BakeTime;
    }

    /// <summary>
    /// The healthy path, for the watchdog: once the current stage has baked, moves the canary to the next stage, or
    /// promotes it after the last one. Before that, changes nothing and answers <see cref="CanaryStep.Baking"/>.
    /// </summary>
    /// <param name="canaryVersion">The canary version the caller judged healthy.</param>
    /// <param name="actor">Who (<c>watchdog</c>).</param>
    /// <param name="reason">Why (e.g. the figures compared).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ReleaseConflictException">No canary, or another version (<see cref="ReleaseConflict.CanaryMismatch"/>).</exception>
    /// <exception cref="PatternStateConflictException">The state changed meanwhile; nothing written.</exception>
    /// <exception cref="PatternSetDigestMismatchException">On promotion: the canary's content no longer matches its digest; not promoted.</exception>
    public async Task<CanaryStepResult> ProgressAsync(string canaryVersion, string actor, string? reason = null, CancellationToken cancellationToken = default)
    {
        var (snapshot, canary) = await ReadCanaryAsync(canaryVersion, actor, cancellationToken).ConfigureAwait(false);
        if (timeProvider.GetUtcNow() < BakedAt(canary))
        {
            return new CanaryStepResult(CanaryStep.Baking, snapshot.State.Active, canary);
        }

        return canary.Stage + 1 < options.Stages.Count
            ? await AdvanceCoreAsync(snapshot, canary, canary.Stage + 1, actor, reason, cancellationToken).ConfigureAwait(false)
            : await PromoteCoreAsync(snapshot, canary, actor, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Moves the canary to a later stage now, whatever its bake time (an operator's decision).</summary>
    /// <param name="canaryVersion">The canary version.</param>
    /// <param name="toStage">Index in <see cref="ReleaseOptions.Stages"/>, later than the current stage.</param>
    /// <param name="actor">Who.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="toStage"/> is not a stage of the plan.</exception>
    /// <exception cref="ReleaseConflictException">No canary, another version, or <paramref name="toStage"/> is not later than the current stage.</exception>
    /// <exception cref="PatternStateConflictException">The state changed meanwhile; nothing written.</exception>
    public async Task<CanaryStepResult> AdvanceAsync(string canaryVersion, int toStage, string actor, string? reason = null, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(toStage);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(toStage, options.Stages.Count);
        var (snapshot, canary) = await ReadCanaryAsync(canaryVersion, actor, cancellationToken).ConfigureAwait(false);
        if (toStage <= canary.Stage)
        {
            throw new ReleaseConflictException(ReleaseConflict.StageNotAhead, $"canary {canary.Set.Version} is at stage {canary.Stage}; it can only move to a later stage, not {toStage}", canary);
        }

        return await AdvanceCoreAsync(snapshot, canary, toStage, actor, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes the canary the active set now; the previous active set becomes last known good.</summary>
    /// <param name="canaryVersion">The canary version.</param>
    /// <param name="actor">Who.</param>
    /// <param name="reason">Why.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ReleaseConflictException">No canary, or another version.</exception>
    /// <exception cref="PatternStateConflictException">The state changed meanwhile; nothing written.</exception>
    /// <exception cref="PatternSetDigestMismatchException">The canary's content no longer matches its digest; not promoted.</exception>
    public async Task<CanaryStepResult> PromoteAsync(string canaryVersion, string actor, string? reason = null, CancellationToken cancellationToken = default)
    {
        var (snapshot, canary) = await ReadCanaryAsync(canaryVersion, actor, cancellationToken).ConfigureAwait(false);
        return await PromoteCoreAsync(snapshot, canary, actor, reason, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops the canary by an operator's decision (<c>cancel-canary</c>); the active set serves all mail again.</summary>
    /// <param name="canaryVersion">The canary version.</param>
    /// <param name="actor">Who.</param>
    /// <param name="reason">Why, for the audit trail and the status page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException">The reason is empty.</exception>
    /// <exception cref="ReleaseConflictException">No canary, or another version.</exception>
    /// <exception cref="PatternStateConflictException">The state changed meanwhile; nothing written.</exception>
    public Task<CanaryStepResult> CancelAsync(string canaryVersion, string actor, string reason, CancellationToken cancellationToken = default) =>
        StopAsync(ReleaseAction.CancelCanary, canaryVersion, actor, reason, cancellationToken);

    /// <summary>
    /// Stops the canary because it breached a limit (<c>canary-rollback</c>, the watchdog's rollback); the active set
    /// serves all mail again.
    /// </summary>
    /// <param name="canaryVersion">The canary version judged.</param>
    /// <param name="actor">Who (<c>watchdog</c>).</param>
    /// <param name="reason">The breach, for the audit trail and the status page.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="ArgumentException">The reason is empty.</exception>
    /// <exception cref="ReleaseConflictException">No canary, or another version.</exception>
    /// <exception cref="PatternStateConflictException">The state changed meanwhile; nothing written.</exception>
    public Task<CanaryStepResult> RollBackAsync(string canaryVersion, string actor, string reason, CancellationToken cancellationToken = default) =>
        StopAsync(ReleaseAction.CanaryRollback, canaryVersion, actor, reason, cancellationToken);

    private async Task<CanaryStepResult> StopAsync(ReleaseAction action, string canaryVersion, string actor, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var (snapshot, canary) = await ReadCanaryAsync(canaryVersion, actor, cancellationToken).ConfigureAwait(false);
        var active = snapshot.State.Active;
        await committer.CommitAsync(
            snapshot,
            new PatternStateChange(timeProvider.GetUtcNow(), action, canary.Set, active, actor, reason),
            state => state with { Canary = null },
            new ReleaseAuditDetails(CancelledCanary: canary.Set),
            cancellationToken).ConfigureAwait(false);
        LogStopped(logger, canary.Set.Version, canary.Stage, action.ToWord(), actor, reason);
        return new CanaryStepResult(CanaryStep.Cancelled, active, null);
    }

    private async Task<CanaryStepResult> AdvanceCoreAsync(PatternStateSnapshot snapshot, PatternCanary canary, int toStage, string actor, string? reason, CancellationToken cancellationToken)
    {
        var at = timeProvider.GetUtcNow();
        var active = snapshot.State.Active;
        var advanced = canary with { Stage = toStage, SharePercent = options.Stages[toStage].SharePercent, Since = at };
        var note = $"stage {toStage}: {advanced.SharePercent} % of mail" + (reason is null ? "" : $"; {reason}");
        await committer.CommitAsync(
            snapshot,
            new PatternStateChange(at, ReleaseAction.Advance, active, canary.Set, actor, note),
            state => state with { Canary = advanced },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        LogAdvanced(logger, canary.Set.Version, toStage, advanced.SharePercent, actor);
        return new CanaryStepResult(CanaryStep.Advanced, active, advanced);
    }

    private async Task<CanaryStepResult> PromoteCoreAsync(PatternStateSnapshot snapshot, PatternCanary canary, string actor, string? reason, CancellationToken cancellationToken)
    {
        // What becomes active must be what was gated: refuse a version whose content no longer matches its digest.
        await store.ReadSetAsync(canary.Set, cancellationToken).ConfigureAwait(false);
        var active = snapshot.State.Active;
        await committer.CommitAsync(
            snapshot,
            new PatternStateChange(timeProvider.GetUtcNow(), ReleaseAction.Promote, active, canary.Set, actor, reason),
            state => state with { Active = canary.Set, LastKnownGood = state.Active ?? state.LastKnownGood, Canary = null },
            cancellationToken: cancellationToken).ConfigureAwait(false);
        LogPromoted(logger, canary.Set.Version, active?.Version, actor);
        return new CanaryStepResult(CanaryStep.Promoted, canary.Set, null);
    }

    private async Task<(PatternStateSnapshot Snapshot, PatternCanary Canary)> ReadCanaryAsync(string canaryVersion, string actor, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(canaryVersion);
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var snapshot = await committer.ReadAsync(cancellationToken).ConfigureAwait(false);
        var canary = snapshot?.State.Canary;
        if (snapshot is null || canary is null || canary.Set.Version != canaryVersion)
        {
            throw new ReleaseConflictException(
                ReleaseConflict.CanaryMismatch,
                canary is null ? $"no canary is in progress (expected {canaryVersion})" : $"the canary in progress is {canary.Set.Version}, not {canaryVersion}",
                canary);
        }

        return (snapshot, canary);
    }

    [LoggerMessage(EventId = 330, Level = LogLevel.Information, Message = "Canary {Version} advanced to stage {Stage} ({SharePercent} % of mail) by {Actor}")]
    private static partial void LogAdvanced(ILogger logger, string version, int stage, double sharePercent, string actor);

    [LoggerMessage(EventId = 331, Level = LogLevel.Information, Message = "Canary {Version} promoted to active (previous {PreviousVersion} is last known good) by {Actor}")]
    private static partial void LogPromoted(ILogger logger, string version, string? previousVersion, string actor);

    [LoggerMessage(EventId = 332, Level = LogLevel.Warning, Message = "Canary {Version} stopped at stage {Stage} ({Action}) by {Actor}: {Reason}")]
    private static partial void LogStopped(ILogger logger, string version, int stage, string action, string actor, string reason);
}

/// <summary>What a canary transition did.</summary>
public enum CanaryStep
{
    /// <summary>The current stage has not baked yet; nothing changed.</summary>
    Baking,

    /// <summary>The canary moved to a later stage.</summary>
    Advanced,

    /// <summary>The canary became the active set.</summary>
    Promoted,

    /// <summary>The canary was stopped.</summary>
    Cancelled,
}

/// <summary>The result of a canary transition.</summary>
/// <param name="Step">What was done.</param>
/// <param name="Active">The version serving all other mail now.</param>
/// <param name="Canary">The canary now (null after promotion or cancellation).</param>
public sealed record CanaryStepResult(CanaryStep Step, PatternSetRef? Active, PatternCanary? Canary);
