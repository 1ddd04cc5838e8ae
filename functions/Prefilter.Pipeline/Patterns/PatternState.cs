using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prefilter.Pipeline.Patterns;

/// <summary>
/// <c>patterns/state.json</c>: which version serves, which one to fall back to, and what changed when. Changed only
/// with an ETag condition, so a rollback is a pointer swap that a concurrent change cannot half-undo.
/// </summary>
/// <remarks>
/// Properties this code does not know (added by a newer release process) are kept in <see cref="Extensions"/>
/// and written back unchanged, so an older scanner never erases them.
/// </remarks>
public sealed record PatternState
{
    /// <summary>Most history entries kept; older ones are dropped on the next change.</summary>
    public const int MaxHistory = 200;

    /// <summary>The version serving all mail that no canary takes; null before the first activation.</summary>
    public PatternSetRef? Active { get; init; }

    /// <summary>The version to roll back to: the previous active one that served without a breach.</summary>
    public PatternSetRef? LastKnownGood { get; init; }

    /// <summary>A candidate serving a share of mail, if any (staged release).</summary>
    public PatternCanary? Canary { get; init; }

    /// <summary>Changes, oldest first, at most <see cref="MaxHistory"/>.</summary>
    public IReadOnlyList<PatternStateChange> History { get; init; } = [];

    /// <summary>Unknown properties, preserved across read-modify-write.</summary>
    [JsonExtensionData]
    public Dictionary<string, JsonElement>? Extensions { get; init; }

    /// <summary>The history with one more entry, trimmed to <see cref="MaxHistory"/>.</summary>
    /// <param name="change">The entry to add.</param>
    public IReadOnlyList<PatternStateChange> Append(PatternStateChange change) =>
        [.. History.Skip(Math.Max(0, History.Count + 1 - MaxHistory)), change];
}

/// <summary>A candidate version serving a deterministic share of mail.</summary>
/// <param name="Set">The candidate.</param>
/// <param name="SharePercent">Share of mail (0–100) scanned with it, chosen by a hash of the mail's id.</param>
/// <param name="Stage">Index of the current stage in the release plan.</param>
/// <param name="Since">When the current stage started (bake time counts from here).</param>
public sealed record PatternCanary(PatternSetRef Set, double SharePercent, int Stage, DateTimeOffset Since);

/// <summary>One audited change of <see cref="PatternState"/>.</summary>
/// <param name="At">When.</param>
/// <param name="Action">What; written as its word (<see cref="ReleaseActionWords"/>).</param>
/// <param name="From">The version serving before.</param>
/// <param name="To">The version serving after.</param>
/// <param name="Actor">Who.</param>
/// <param name="Reason">Why.</param>
public sealed record PatternStateChange(
    DateTimeOffset At,
    [property: JsonConverter(typeof(ReleaseActionJsonConverter))] ReleaseAction Action,
    PatternSetRef? From,
    PatternSetRef? To,
    string? Actor,
    string? Reason);

/// <summary><c>state.json</c> as read, with the ETag to write it back conditionally.</summary>
/// <param name="State">The state.</param>
/// <param name="ETag">Its ETag.</param>
public sealed record PatternStateSnapshot(PatternState State, Azure.ETag ETag);
