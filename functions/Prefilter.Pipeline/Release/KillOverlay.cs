using System.Globalization;
using System.Text.RegularExpressions;
using Prefilter.Engine.Meta;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// Builds the kill switch's overlay: a copy of a set without the disabled rules, in which every meta reference to a
/// disabled rule reads <c>0</c> — exactly what a rule that never hits contributes (so <c>!RULE</c> becomes <c>!0</c>,
/// true, as it would be for a rule that did not hit).
/// </summary>
/// <remarks>
/// Removing the rules (instead of keeping them with score 0) is what makes the overlay cheap: a disabled costly rule
/// does no work at all. References are replaced rather than left dangling because lint refuses unknown references.
/// </remarks>
public static partial class KillOverlay
{
    /// <summary>Suffix of overlay versions: <c>{base}-kill{n}</c>.</summary>
    public const string VersionMarker = "-kill";

    /// <summary>The overlay of <paramref name="set"/> with <paramref name="ruleIds"/> disabled.</summary>
    /// <param name="set">The set serving now.</param>
    /// <param name="version">The overlay's version label.</param>
    /// <param name="ruleIds">Rules to disable; all must be in the set.</param>
    /// <param name="created">The overlay's creation time.</param>
    /// <param name="note">Appended to the description (who disabled what, why).</param>
    /// <returns>The overlay and the ids of the metas whose expression was rewritten.</returns>
    /// <exception cref="UnknownRulesException">A rule id is not in the set.</exception>
    public static (PatternSet Overlay, IReadOnlyList<string> RewrittenMetas) Build(PatternSet set, string version, IReadOnlyCollection<string> ruleIds, DateTimeOffset created, string note)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(ruleIds);
        var disabled = new HashSet<string>(ruleIds, StringComparer.Ordinal);
        var unknown = disabled.Where(id => set.Rules.All(rule => rule.Id != id)).Order(StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new UnknownRulesException(set.Version, unknown);
        }

        var rewritten = new List<string>();
        var rules = new List<Rule>();
        foreach (var rule in set.Rules.Where(rule => !disabled.Contains(rule.Id)))
        {
            if (rule.Kind == RuleKind.Meta && rule.Expression is { } expression
                && MetaExpression.Parse(expression).References.Any(disabled.Contains))
            {
                rules.Add(rule with { Expression = RuleReference().Replace(expression, match => disabled.Contains(match.Value) ? "0" : match.Value) });
                rewritten.Add(rule.Id);
            }
            else
            {
                rules.Add(rule);
            }
        }

        var overlay = set with
        {
            Version = version,
            Created = created,
            Description = string.IsNullOrEmpty(set.Description) ? note : $"{set.Description} | {note}",
            Rules = rules,
        };
        return (overlay, rewritten);
    }

    /// <summary>The next overlay version for <paramref name="activeVersion"/>: the base version (without an earlier kill suffix) plus <c>-kill{n}</c>, n one above any stored.</summary>
    /// <param name="activeVersion">The active version (itself possibly an overlay).</param>
    /// <param name="storedVersions">Every stored version.</param>
    public static string NextVersion(string activeVersion, IEnumerable<string> storedVersions)
    {
        ArgumentException.ThrowIfNullOrEmpty(activeVersion);
        ArgumentNullException.ThrowIfNull(storedVersions);
        var baseVersion = KillSuffix().Replace(activeVersion, "");
        var highest = storedVersions
            .Where(version => version.StartsWith(baseVersion + VersionMarker, StringComparison.Ordinal))
            .Select(version => int.TryParse(version.AsSpan(baseVersion.Length + VersionMarker.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : 0)
            .DefaultIfEmpty(0)
            .Max();
        return $"{baseVersion}{VersionMarker}{highest + 1}";
    }

    // A rule id as the meta grammar spells it; digits-only tokens are numbers and never match a rule id.
    [GeneratedRegex("[A-Za-z0-9_]+")]
    private static partial Regex RuleReference();

    [GeneratedRegex(@"-kill[0-9]+$")]
    private static partial Regex KillSuffix();
}
