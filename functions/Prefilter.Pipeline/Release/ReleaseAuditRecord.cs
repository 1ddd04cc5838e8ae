using System.Text.Json.Serialization;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// One append-only audit document, <c>patterns/audit/{timestamp}-{action}-{id}.json</c>, derived from the history entry
/// of the change it records (<see cref="ReleaseStateCommitter"/>): the history in <c>state.json</c> keeps only the latest
/// <see cref="PatternState.MaxHistory"/> changes, these are never trimmed.
/// </summary>
/// <param name="At">When.</param>
/// <param name="Action">What; written as its word.</param>
/// <param name="Actor">Who.</param>
/// <param name="Reason">Why, as the history entry says it.</param>
/// <param name="From">As the history entry: the version serving before (for <c>cancel-canary</c>: the canary stopped).</param>
/// <param name="To">As the history entry: the version the action released, activated or reverted to.</param>
public sealed record ReleaseAuditRecord(
    DateTimeOffset At,
    [property: JsonConverter(typeof(ReleaseActionJsonConverter))] ReleaseAction Action,
    string? Actor,
    string? Reason,
    PatternSetRef? From,
    PatternSetRef? To)
{
    /// <summary>The gate's refusals that were overridden or that refused the set; empty otherwise.</summary>
    public IReadOnlyList<string> Refusals { get; init; } = [];

    /// <summary>Rules the action concerns: blamed by the gate, or disabled by the kill switch.</summary>
    public IReadOnlyList<string> Rules { get; init; } = [];

    /// <summary>The canary version the action stopped, if any.</summary>
    public PatternSetRef? CancelledCanary { get; init; }

    /// <summary>The record of a history entry: action, actor, reason, from and to are the entry's own.</summary>
    /// <param name="change">The history entry.</param>
    /// <param name="details">What the audit adds to it; null for nothing.</param>
    public static ReleaseAuditRecord Of(PatternStateChange change, ReleaseAuditDetails? details = null)
    {
        ArgumentNullException.ThrowIfNull(change);
        return new ReleaseAuditRecord(change.At, change.Action, change.Actor, change.Reason, change.From, change.To)
        {
            Refusals = details?.Refusals ?? [],
            Rules = details?.Rules ?? [],
            CancelledCanary = details?.CancelledCanary,
        };
    }
}

/// <summary>What an audit record carries beyond its history entry.</summary>
/// <param name="Refusals">The gate's refusals overridden or refusing.</param>
/// <param name="Rules">Rules blamed by the gate or disabled by the kill switch.</param>
/// <param name="CancelledCanary">The canary stopped.</param>
public sealed record ReleaseAuditDetails(IReadOnlyList<string>? Refusals = null, IReadOnlyList<string>? Rules = null, PatternSetRef? CancelledCanary = null);
