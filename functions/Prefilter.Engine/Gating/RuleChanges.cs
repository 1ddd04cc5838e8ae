using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Gating;

/// <summary>How a candidate's rules differ from the active set's, for blame.</summary>
internal static class RuleChanges
{
    /// <summary>True when both rules match the same mail (score and description aside).</summary>
    public static bool SameMatching(Rule a, Rule b) =>
        a.Kind == b.Kind && a.Pattern == b.Pattern && a.Header == b.Header && a.Negate == b.Negate && a.IfUnset == b.IfUnset
        && a.Target == b.Target && a.Expression == b.Expression && a.Addresses.SequenceEqual(b.Addresses) && a.Domains.SequenceEqual(b.Domains)
        && a.Check == b.Check && a.Args.SequenceEqual(b.Args);

    /// <summary>True when the rule is in <paramref name="other"/> with the same matching and the same score.</summary>
    public static bool Unchanged(Rule rule, IReadOnlyDictionary<string, Rule> other) =>
        other.TryGetValue(rule.Id, out var same) && SameMatching(rule, same) && same.Score.Equals(rule.Score);
}
