using Prefilter.Engine.Gating;
using Prefilter.Engine.Linting;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>Options of one publish.</summary>
public sealed record PublishOptions
{
    /// <summary>
    /// Release the set as canary even if the gate refuses it: an explicit override, recorded as
    /// <see cref="ReleaseAction.CanaryForced"/> with <see cref="Reason"/> and the refusals. Lint refusals cannot be
    /// overridden (the engine cannot run such a set).
    /// </summary>
    public bool Force { get; init; }

    /// <summary>Why the set is published; required with <see cref="Force"/>.</summary>
    public string? Reason { get; init; }
}

/// <summary>What a publish did.</summary>
public enum PublishOutcome
{
    /// <summary>The set passed the gate (or was forced past it) and serves the first canary stage.</summary>
    Canary,

    /// <summary>There was no active set: the set passed the gate (or was forced past it) and serves all mail.</summary>
    Activated,

    /// <summary>The gate refused the set; it is stored with its report and serves nothing.</summary>
    Refused,

    /// <summary>This version with this content was released before (it is or was canary, active or last known good); nothing changed.</summary>
    AlreadyPublished,
}

/// <summary>The result of a publish.</summary>
/// <param name="Version">The set's version.</param>
/// <param name="Digest">The set's digest.</param>
/// <param name="Outcome">What happened.</param>
/// <param name="GateReport">The gate's report (for <see cref="PublishOutcome.AlreadyPublished"/> the stored one, if any).</param>
public sealed record PublishResult(string Version, string Digest, PublishOutcome Outcome, GateReport? GateReport)
{
    /// <summary>True when the set was released although the gate refused it.</summary>
    public bool Forced { get; init; }

    /// <summary>The canary share the set serves now (<see cref="PublishOutcome.Canary"/> only).</summary>
    public double? SharePercent { get; init; }
}

/// <summary>What processing an upload did; written to <c>upload-results/{name}.json</c>.</summary>
public enum UploadOutcome
{
    /// <summary>Valid and stored; the gate request is queued (see <see cref="UploadResult.Release"/>).</summary>
    Queued,

    /// <summary>The gate run failed (see <see cref="UploadResult.Error"/>); nothing was released.</summary>
    Failed,

    /// <summary>Released as canary.</summary>
    Canary,

    /// <summary>Activated (there was no active set).</summary>
    Activated,

    /// <summary>Refused by the gate (see the gate report).</summary>
    Refused,

    /// <summary>Released before with the same content; nothing changed.</summary>
    AlreadyPublished,

    /// <summary>Not a valid pattern set: bad JSON, a format error, lint findings, or too large.</summary>
    Invalid,

    /// <summary>Valid, but refused by the release state: its version exists with other content, or another canary is in progress.</summary>
    Conflict,
}

/// <summary>The outcome of one upload, stored beside it.</summary>
/// <param name="Upload">The upload, <c>uploads/{name}</c>; the upload itself is left in place.</param>
/// <param name="At">When it was processed.</param>
/// <param name="Outcome">What happened.</param>
public sealed record UploadResult(string Upload, DateTimeOffset At, UploadOutcome Outcome)
{
    /// <summary>The set's version, when the document could be read.</summary>
    public string? Version { get; init; }

    /// <summary>The set's digest, when the document could be read.</summary>
    public string? Digest { get; init; }

    /// <summary>The release id (<c>GET /api/patterns/releases/{id}</c>), once the upload was queued for the gate.</summary>
    public string? Release { get; init; }

    /// <summary>One sentence for the operator: why it was invalid, refused or in conflict.</summary>
    public string? Error { get; init; }

    /// <summary>Format and lint findings (rule id, line, reason) of an invalid upload.</summary>
    public IReadOnlyList<LintFinding> Findings { get; init; } = [];

    /// <summary>The gate's refusals, when refused.</summary>
    public IReadOnlyList<string> Refusals { get; init; } = [];

    /// <summary>Rules the gate blames, when refused.</summary>
    public IReadOnlyList<string> Blamed { get; init; } = [];

    /// <summary>Blob name of the stored gate report, when the gate ran.</summary>
    public string? GateReport { get; init; }
}
