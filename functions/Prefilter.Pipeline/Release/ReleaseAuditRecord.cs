using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// One append-only audit document, <c>patterns/audit/{timestamp}-{action}-{id}.json</c>. Written after the state change
/// it describes succeeded (or, for <see cref="ReleaseActions.Refused"/>, after the gate refused a set); the history in
/// <c>state.json</c> keeps only the latest <see cref="PatternState.MaxHistory"/> changes, these are never trimmed.
/// </summary>
/// <param name="At">When.</param>
/// <param name="Action">One of <see cref="ReleaseActions"/>.</param>
/// <param name="Actor">Who.</param>
/// <param name="Reason">Why, as the actor gave it (for a forced publish: the override reason and the refusals).</param>
/// <param name="From">The active version before.</param>
/// <param name="To">The version the action released, activated or reverted to.</param>
public sealed record ReleaseAuditRecord(DateTimeOffset At, string Action, string Actor, string? Reason, PatternSetRef? From, PatternSetRef? To)
{
    /// <summary>The gate's refusals that were overridden or that refused the set; empty otherwise.</summary>
    public IReadOnlyList<string> Refusals { get; init; } = [];

    /// <summary>Rules the action concerns: blamed by the gate, or disabled by the kill switch.</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    /// <summary>The canary version the action stopped, if any.</summary>
    public PatternSetRef? CancelledCanary { get; init; }
}
