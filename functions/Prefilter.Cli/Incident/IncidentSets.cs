using System.Globalization;
using Prefilter.Cli.Local;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Cli.Incident;

/// <summary>
/// The pattern sets of the incident replay: a small, cheap baseline (the built-in default set of <c>prefilter up</c>)
/// and the incident set, which is the baseline plus a costly combination of rules, shaped like the one in the incident
/// (see DESIGN.md, "Why it exists").
/// </summary>
internal static class IncidentSets
{
    /// <summary>The meta rule that combines the costly sub-rules; the gate must blame it first.</summary>
    public const string CombinationRuleId = "INCIDENT_COMBINATION";

    /// <summary>Prefix of the costly sub-rules.</summary>
    public const string SubRulePrefix = "__INCIDENT_";

    /// <summary>
    /// Sub-rules in the combination. Each has no required literal and a backreference: the backtracking engine runs it
    /// behind a linear gate that lets every paragraph through, so it runs on every paragraph of every mail. Many of
    /// them, each cheap on its own, add up to a scan cost far above the baseline's.
    /// </summary>
    public const int SubRuleCount = 24;

    /// <summary>
    /// The baseline as JSON: always the built-in default set, never an imported SpamAssassin set that <c>up</c> would
    /// prefer, so the replay compares against a small known set.
    /// </summary>
    /// <exception cref="InvalidOperationException">The resource is missing from the assembly.</exception>
    public static string BaselineJson() => LocalPatternSet.BuiltInJson();

    /// <summary>
    /// The incident set: <paramref name="baseline"/> with <see cref="SubRuleCount"/> no-literal body sub-rules and one
    /// meta rule (<see cref="CombinationRuleId"/>) that fires when several of them hit. The meta's score is tiny, so
    /// verdicts barely change: what breaks is cost, as in the incident.
    /// </summary>
    /// <param name="baseline">The set the incident set extends.</param>
    /// <param name="version">The incident set's version label.</param>
    /// <param name="created">Its creation time.</param>
    public static PatternSet WithCostlyCombination(PatternSet baseline, string version, DateTimeOffset created)
    {
        ArgumentNullException.ThrowIfNull(baseline);
        var subRules = Enumerable.Range(0, SubRuleCount).Select(SubRule).ToList();
        var combination = new Rule
        {
            Id = CombinationRuleId,
            Kind = RuleKind.Meta,
            Description = "Several repeated-word shapes in one mail (the replayed incident's costly combination)",
            Expression = string.Join(" + ", subRules.Select(rule => rule.Id)) + " > 5",
            Score = 0.1,
        };
        return baseline with
        {
            Version = version,
            Created = created,
            Description = $"{baseline.Version} plus a costly combination of {SubRuleCount} rules (incident replay)",
            Rules = [.. baseline.Rules, .. subRules, combination],
        };
    }

    // Every pattern differs (identical regexes would be compiled once and shared), and none has a literal the engine
    // could look for first: a word, the next one, then the first again.
    private static Rule SubRule(int index) => new()
    {
        Id = string.Create(CultureInfo.InvariantCulture, $"{SubRulePrefix}{index}"),
        Kind = RuleKind.Body,
        Pattern = string.Create(CultureInfo.InvariantCulture, $@"\b(\w{{2,{20 + index}}})\s+\w+\s+\1\b"),
        Score = 0,
    };
}
