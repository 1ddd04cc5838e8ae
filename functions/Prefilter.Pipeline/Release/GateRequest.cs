namespace Prefilter.Pipeline.Release;

/// <summary>
/// The message on the <c>release-gate</c> queue: the id of a <see cref="PatternRelease"/>, whose document holds the
/// rest, so the message stays small and a redelivered one reads the release as it stands.
/// </summary>
/// <param name="ReleaseId">The release to gate.</param>
public sealed record GateRequest(string ReleaseId);
