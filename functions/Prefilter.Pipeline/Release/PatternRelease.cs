using Prefilter.Engine.Gating;

namespace Prefilter.Pipeline.Release;

/// <summary>Where a release stands; <see cref="Queued"/> and <see cref="Running"/> are the only states that change.</summary>
public enum PatternReleaseStatus
{
    /// <summary>Linted and stored; its gate request waits on the <c>release-gate</c> queue.</summary>
    Queued,

    /// <summary>The gate runs.</summary>
    Running,

    /// <summary>The gate refused the set (see <see cref="PatternRelease.GateReport"/>); it serves nothing.</summary>
    Refused,

    /// <summary>The set serves the first canary stage.</summary>
    Canary,

    /// <summary>The set serves all mail (there was no active set).</summary>
    Active,

    /// <summary>The gate run could not finish (see <see cref="PatternRelease.Error"/>); the state is unchanged.</summary>
    Failed,
}

/// <summary>
/// One publish after it was accepted: stored as <c>releases/{id}.json</c> in the patterns container and served by
/// <c>GET /api/patterns/releases/{id}</c>. The gate run writes its outcome here.
/// </summary>
/// <param name="Id">The release id (32 hex digits).</param>
/// <param name="Version">The set's version.</param>
/// <param name="Digest">The set's digest; the gate run reads the stored version checked against it.</param>
/// <param name="Status">Where the release stands.</param>
/// <param name="QueuedAt">When the publish was accepted.</param>
public sealed record PatternRelease(string Id, string Version, string Digest, PatternReleaseStatus Status, DateTimeOffset QueuedAt)
{
    /// <summary>Who published (recorded in the state's history and the audit trail).</summary>
    public required string Actor { get; init; }

    /// <summary>Release even if the gate refuses (audited, with <see cref="Reason"/>).</summary>
    public bool Force { get; init; }

    /// <summary>Why the set is published; required with <see cref="Force"/>.</summary>
    public string? Reason { get; init; }

    /// <summary>The upload that started the release (<c>uploads/{name}</c>), when it came through the upload door.</summary>
    public string? Upload { get; init; }

    /// <summary>How many times the gate request was taken from the queue.</summary>
    public long Attempts { get; init; }

    /// <summary>When the gate run (the last attempt) started.</summary>
    public DateTimeOffset? StartedAt { get; init; }

    /// <summary>When the release reached its final status.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>The gate's report, once it ran.</summary>
    public GateReport? GateReport { get; init; }

    /// <summary>True when the set was released although the gate refused it.</summary>
    public bool Forced { get; init; }

    /// <summary>True when this content was released before under this version, so the run changed nothing.</summary>
    public bool AlreadyPublished { get; init; }

    /// <summary>The canary share the set serves (<see cref="PatternReleaseStatus.Canary"/> only).</summary>
    public double? SharePercent { get; init; }

    /// <summary>Why the release <see cref="PatternReleaseStatus.Failed"/>, or the last attempt's failure while it is retried.</summary>
    public string? Error { get; init; }

    /// <summary>True once the status can no longer change.</summary>
    public bool IsFinished => Status is not (PatternReleaseStatus.Queued or PatternReleaseStatus.Running);

    /// <summary>A new release id.</summary>
    public static string NewId() => Guid.NewGuid().ToString("N");

    /// <summary>True when <paramref name="id"/> has the shape of a release id (so it can name a blob).</summary>
    /// <param name="id">The candidate.</param>
    public static bool IsValidId(string? id) => id is { Length: 32 } && id.All(char.IsAsciiHexDigitLower);
}
