using Prefilter.Cli.Incident;
using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;

namespace Prefilter.Cli.Tests.Incident;

/// <summary>The incident set is a valid set the engine runs: the cost comes from rules it must run everywhere, not from a refused shape.</summary>
public sealed class IncidentSetsTests
{
    [Fact]
    public void The_incident_set_is_the_baseline_plus_distinct_runnable_sub_rules_and_their_meta()
    {
        var baseline = PatternSetJson.Parse(IncidentSets.BaselineJson());

        var incident = IncidentSets.WithCostlyCombination(baseline, "incident-test", DateTimeOffset.UnixEpoch);

        Assert.True(PatternSetLinter.Lint(incident).IsValid);
        Assert.Equal(baseline.Rules, incident.Rules.Take(baseline.Rules.Count));
        var subRules = incident.Rules.Where(rule => rule.Id.StartsWith(IncidentSets.SubRulePrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(IncidentSets.SubRuleCount, subRules.Select(rule => rule.Pattern).Distinct().Count());
        var meta = incident.Rules[^1];
        Assert.Equal(IncidentSets.CombinationRuleId, meta.Id);
        Assert.All(subRules, rule => Assert.Contains(rule.Id, meta.Expression, StringComparison.Ordinal));
        Assert.Equal(0, CompiledPatternSet.Compile(incident).Classes.Refused);
    }
}
