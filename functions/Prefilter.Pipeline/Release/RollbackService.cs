using Microsoft.Extensions.Logging;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// Rollback by one call (<c>POST /api/patterns/rollback</c>, <c>prefilter rollback</c>): the active set becomes the
/// last known good version (or a named stored version) and any canary stops.
/// </summary>
/// <remarks>
/// <para>Idempotent: when the target already serves all mail and no canary runs, nothing is written (no state change,
/// no history entry, no audit record) and the result says <see cref="RollbackOutcome.AlreadyThere"/>. So calling it twice
/// never reverts two changes.</para>
/// <para>One conditional write of <c>state.json</c>: a concurrent change makes it fail with
/// <see cref="PatternStateConflictException"/> (HTTP 409) and nothing is half-done. The last known good version stays
/// what it was: the set rolled away from is not known good.</para>
/// <para>The target is checked before it is activated: its content must hash to the digest it was stored (or
/// released) under.</para>
/// </remarks>
public sealed partial class RollbackService
{
    private readonly PatternStore store;
    private readonly ReleaseDocuments documents;
    private readonly ReleaseStateCommitter committer;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<RollbackService> logger;

    /// <summary>Creates the service.</summary>
    /// <param name="store">Versions (the target is checked).</param>
    /// <param name="documents">Version checks.</param>
    /// <param name="committer">Reads and commits the state.</param>
    /// <param name="timeProvider">Clock for the history.</param>
    /// <param name="logger">Log.</param>
    public RollbackService(PatternStore store, ReleaseDocuments documents, ReleaseStateCommitter committer, TimeProvider timeProvider, ILogger<RollbackService> logger)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.documents = documents ?? throw new ArgumentNullException(nameof(documents));
        this.committer = committer ?? throw new ArgumentNullException(nameof(committer));
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Rolls back.</summary>
    /// <param name="to">A stored version to revert to; null for the last known good version (with none, only a canary is stopped).</param>
    /// <param name="reason">Why, for the audit trail.</param>
    /// <param name="actor">Who.</param>
    /// <param name="cancellationToken">Cancels the call; the state is either changed completely or not at all.</param>
    /// <returns>What serves now and what was done.</returns>
    /// <exception cref="PatternSetNotFoundException">The named version is not stored (HTTP 404).</exception>
    /// <exception cref="PatternSetDigestMismatchException">The target's content does not match its digest; refused.</exception>
    /// <exception cref="ReleaseConflictException">Nothing to roll back to: no state, or no last known good version and no canary.</exception>
    /// <exception cref="PatternStateConflictException">The state changed meanwhile (HTTP 409); nothing was written.</exception>
    /// <exception cref="ArgumentException">The actor is empty or the version label is invalid.</exception>
    public async Task<RollbackResult> RollbackAsync(string? to, string? reason, string actor, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(actor);
        var snapshot = await committer.ReadAsync(cancellationToken).ConfigureAwait(false)
            ?? throw new ReleaseConflictException(ReleaseConflict.NoActiveSet, "there is no pattern state yet: nothing was ever activated, so there is nothing to roll back");
        var state = snapshot.State;

        PatternSetRef target;
        if (to is not null)
        {
            // A version the state or history already names must still have that digest; otherwise the one recorded at storage.
            var known = KnownReferences(state).FirstOrDefault(reference => reference.Version == to);
            target = (await documents.ReadVersionAsync(to, known?.Digest, cancellationToken).ConfigureAwait(false)).Reference;
        }
        else
        {
            target = state.LastKnownGood ?? state.Active
                ?? throw new ReleaseConflictException(ReleaseConflict.NoRollbackTarget, "there is no last known good version and no active set to roll back to");
            // With no older version, a repeated rollback (the last change was one) is a no-op like any repeat, not an error.
            if (state.LastKnownGood is null && state.Canary is null && state.History.LastOrDefault()?.Action != ReleaseAction.Rollback)
            {
                throw new ReleaseConflictException(ReleaseConflict.NoRollbackTarget, $"there is no last known good version to roll back to; {state.Active} serves and no canary runs");
            }

            await store.ReadSetAsync(target, cancellationToken).ConfigureAwait(false);
        }

        if (state.Active == target && state.Canary is null)
        {
            LogAlreadyThere(logger, target.Version, actor);
            return new RollbackResult(RollbackOutcome.AlreadyThere, target, state.Active, null);
        }

        var cancelled = state.Canary;
        var note = cancelled is null ? reason : $"{reason ?? "rollback"} (canary {cancelled.Set.Version} stopped at {cancelled.SharePercent} %)";
        await committer.CommitAsync(
            snapshot,
            new PatternStateChange(timeProvider.GetUtcNow(), ReleaseAction.Rollback, state.Active, target, actor, note),
            current => current with { Active = target, Canary = null },
            new ReleaseAuditDetails(CancelledCanary: cancelled?.Set),
            cancellationToken).ConfigureAwait(false);
        LogRolledBack(logger, state.Active?.Version, target.Version, cancelled?.Set.Version, actor, reason);
        return new RollbackResult(RollbackOutcome.RolledBack, target, state.Active, cancelled);
    }

    private static IEnumerable<PatternSetRef> KnownReferences(PatternState state) =>
        new[] { state.Active, state.LastKnownGood, state.Canary?.Set }
            .Concat(state.History.Reverse().SelectMany(change => new[] { change.To, change.From }))
            .OfType<PatternSetRef>();

    [LoggerMessage(EventId = 320, Level = LogLevel.Information, Message = "Rollback by {Actor}: {Version} already serves and no canary runs; nothing to do")]
    private static partial void LogAlreadyThere(ILogger logger, string version, string actor);

    [LoggerMessage(EventId = 321, Level = LogLevel.Warning, Message = "Rolled back from {FromVersion} to {ToVersion} (canary stopped: {CancelledCanary}) by {Actor}: {Reason}")]
    private static partial void LogRolledBack(ILogger logger, string? fromVersion, string toVersion, string? cancelledCanary, string actor, string? reason);
}

/// <summary>What a rollback did.</summary>
public enum RollbackOutcome
{
    /// <summary>The state changed: the target serves all mail, any canary stopped.</summary>
    RolledBack,

    /// <summary>The target already served all mail and no canary ran; nothing was written.</summary>
    AlreadyThere,
}

/// <summary>The result of a rollback.</summary>
/// <param name="Outcome">What was done.</param>
/// <param name="Active">The version serving all mail now.</param>
/// <param name="Previous">The version that served before.</param>
/// <param name="CancelledCanary">The canary that was stopped, if any.</param>
public sealed record RollbackResult(RollbackOutcome Outcome, PatternSetRef Active, PatternSetRef? Previous, PatternCanary? CancelledCanary);
