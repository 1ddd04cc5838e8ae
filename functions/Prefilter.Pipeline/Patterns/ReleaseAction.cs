using System.Diagnostics.CodeAnalysis;
using System.Text.Json.Serialization;

namespace Prefilter.Pipeline.Patterns;

/// <summary>
/// What changed the release state, as written to <see cref="PatternStateChange.Action"/> and to audit records. In JSON,
/// in audit blob names and in the CLI each action is one kebab-case word (<see cref="ReleaseActionWords"/>).
/// </summary>
[JsonConverter(typeof(ReleaseActionJsonConverter))]
public enum ReleaseAction
{
    /// <summary><c>activate</c>: the first set became active.</summary>
    Activate,

    /// <summary><c>activate-forced</c>: the first set became active although the gate refused it (explicit override).</summary>
    ActivateForced,

    /// <summary><c>canary</c>: a gated set became the canary at stage 0.</summary>
    Canary,

    /// <summary><c>canary-forced</c>: a set the gate refused became the canary by an explicit, audited override.</summary>
    CanaryForced,

    /// <summary><c>advance</c>: the canary moved to a later stage (a larger share of mail).</summary>
    Advance,

    /// <summary><c>promote</c>: the canary became the active set; the previous active set became last known good.</summary>
    Promote,

    /// <summary><c>cancel-canary</c>: an operator stopped the canary; the active set serves all mail again.</summary>
    CancelCanary,

    /// <summary><c>canary-rollback</c>: the watchdog stopped the canary on a breach; the active set serves all mail again.</summary>
    CanaryRollback,

    /// <summary><c>rollback</c>: the active set was reverted to the last known good (or a named) version; any canary was stopped.</summary>
    Rollback,

    /// <summary><c>kill</c>: rules of the active set were disabled by an overlay version.</summary>
    Kill,

    /// <summary><c>refused</c>: the gate refused a published set (audit record only: the state does not change).</summary>
    Refused,
}

/// <summary>The kebab-case word of each <see cref="ReleaseAction"/>, the form every stored document uses.</summary>
public static class ReleaseActionWords
{
    private static readonly string[] Words =
        ["activate", "activate-forced", "canary", "canary-forced", "advance", "promote", "cancel-canary", "canary-rollback", "rollback", "kill", "refused"];

    /// <summary>The word of an action.</summary>
    /// <param name="action">The action.</param>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined action.</exception>
    public static string ToWord(this ReleaseAction action) =>
        (uint)action < (uint)Words.Length ? Words[(int)action] : throw new ArgumentOutOfRangeException(nameof(action), action, "not a release action");

    /// <summary>Reads a word (case-sensitive, as written).</summary>
    /// <param name="word">The word.</param>
    /// <param name="action">The action, when the word names one.</param>
    public static bool TryParse(string? word, [NotNullWhen(true)] out ReleaseAction? action)
    {
        var index = Array.IndexOf(Words, word);
        action = index < 0 ? null : (ReleaseAction)index;
        return action is not null;
    }
}
