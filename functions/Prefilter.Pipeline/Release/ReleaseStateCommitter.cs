using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// The one way release state changes: applies a change to the state read, appends its history entry, writes
/// <c>state.json</c> under the ETag read, then appends the audit record derived from that same entry. Publish, the
/// canary's transitions, rollback and the kill switch all commit here, so history and audit cannot disagree.
/// </summary>
/// <remarks>
/// A concurrent change makes the write fail with <see cref="PatternStateConflictException"/>; nothing is written, not
/// even the audit record. The audit is written after the state: a crash between the two loses a record, never invents one.
/// Committing is internal to this assembly, so no caller outside the release path changes the state.
/// </remarks>
public sealed class ReleaseStateCommitter
{
    private readonly PatternStore store;
    private readonly ReleaseDocuments documents;

    /// <summary>Creates the committer.</summary>
    /// <param name="store">The state.</param>
    /// <param name="documents">The audit.</param>
    public ReleaseStateCommitter(PatternStore store, ReleaseDocuments documents)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.documents = documents ?? throw new ArgumentNullException(nameof(documents));
    }

    /// <summary>Reads <c>state.json</c> with the ETag a commit must be made under.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state, or null before the first commit.</returns>
    /// <exception cref="PatternStateFormatException">The document is not valid.</exception>
    public async Task<PatternStateSnapshot?> ReadAsync(CancellationToken cancellationToken = default) =>
        (await store.ReadStateAsync(cancellationToken: cancellationToken).ConfigureAwait(false))?.Snapshot;

    /// <summary>Commits one change.</summary>
    /// <param name="snapshot">The state read (null: none yet, create it).</param>
    /// <param name="change">The history entry; its audit record is derived from it.</param>
    /// <param name="apply">The new pointers (active, last known good, canary) from the state read; the history is set here.</param>
    /// <param name="details">What the audit record adds to the entry.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>The state written and the audit record.</returns>
    /// <exception cref="PatternStateConflictException">The state changed since it was read; nothing was written.</exception>
    internal async Task<(PatternState State, ReleaseAuditRecord Audit)> CommitAsync(
        PatternStateSnapshot? snapshot,
        PatternStateChange change,
        Func<PatternState, PatternState> apply,
        ReleaseAuditDetails? details = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(apply);
        var state = snapshot?.State ?? new PatternState();
        var next = apply(state) with { History = state.Append(change) };
        await store.WriteStateAsync(next, snapshot?.ETag, cancellationToken).ConfigureAwait(false);
        return (next, await RecordAsync(change, details, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Records a decision that leaves the state as it is (<see cref="ReleaseAction.Refused"/>): the audit record of an
    /// entry that goes into no history.
    /// </summary>
    /// <param name="change">The entry.</param>
    /// <param name="details">What the audit record adds to it.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The audit record.</returns>
    internal async Task<ReleaseAuditRecord> RecordAsync(PatternStateChange change, ReleaseAuditDetails? details = null, CancellationToken cancellationToken = default)
    {
        var record = ReleaseAuditRecord.Of(change, details);
        await documents.AppendAuditAsync(record, cancellationToken).ConfigureAwait(false);
        return record;
    }
}
