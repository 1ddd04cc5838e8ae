using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// Names of release actions, as written to <see cref="PatternStateChange.Action"/> and to audit records. One name per
/// action across the API, the CLI and the JSON documents.
/// </summary>
public static class ReleaseActions
{
    /// <summary>A set became active directly (the first set, or the kill switch's overlay).</summary>
    public const string Activate = PatternStateChange.Activate;

    /// <summary>The first set became active although the gate refused it (explicit override).</summary>
    public const string ActivateForced = "activate-forced";

    /// <summary>A gated set became the canary at stage 0.</summary>
    public const string Canary = "canary";

    /// <summary>A set the gate refused became the canary by an explicit, audited override.</summary>
    public const string CanaryForced = "canary-forced";

    /// <summary>The canary moved to a later stage (a larger share of mail).</summary>
    public const string Advance = "advance";

    /// <summary>The canary became the active set; the previous active set became last known good.</summary>
    public const string Promote = "promote";

    /// <summary>The canary was stopped; the active set serves all mail again.</summary>
    public const string CancelCanary = "cancel-canary";

    /// <summary>The active set was reverted to the last known good (or a named) version; any canary was stopped.</summary>
    public const string Rollback = "rollback";

    /// <summary>Rules of the active set were disabled by an overlay version.</summary>
    public const string Kill = "kill";

    /// <summary>The gate refused a published set (audit record only: the state does not change).</summary>
    public const string Refused = "refused";
}
