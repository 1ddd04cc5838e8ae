using Prefilter.Engine.Meta;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;

namespace Prefilter.Engine.Gating;

/// <summary>
/// Attributes scan time to rules and to meta combinations (a meta and every rule it reaches), so that a refusal names
/// the rules to strip — the incident's cost came from a combination, not from one rule on its own.
/// </summary>
internal sealed class CostAttribution(PatternSet candidate, PatternSet? active, ScannerOptions productionOptions, int topN)
{
    /// <summary>Scans the corpus with per-rule timers on every message and ranks rules and combinations.</summary>
    public Result Run(IReadOnlyList<GateMessage> corpus, CancellationToken cancellationToken)
    {
        var sampling = productionOptions with { CostSampleRate = 1.0 };
        var candidateCost = Measure(CompiledPatternSet.Compile(candidate, sampling), corpus, cancellationToken);
        var activeCost = active is null ? new Dictionary<string, TimeSpan>() : Measure(CompiledPatternSet.Compile(active, sampling), corpus, cancellationToken);
        var activeRules = active?.Rules.ToDictionary(rule => rule.Id) ?? [];

        TimeSpan Extra(Rule rule)
        {
            var cost = candidateCost.GetValueOrDefault(rule.Id);
            // A rule whose definition changed is charged in full: its old cost says nothing about the new pattern.
            return activeRules.TryGetValue(rule.Id, out var old) && RuleChanges.SameMatching(old, rule) ? cost - activeCost.GetValueOrDefault(rule.Id) : cost;
        }

        var rules = candidate.Rules
            .Where(rule => rule.Kind != RuleKind.Meta)
            .Select(rule => new RuleCostShare(rule.Id, candidateCost.GetValueOrDefault(rule.Id), Extra(rule)))
            .OrderByDescending(share => share.ExtraOverActive)
            .ToList();

        var byId = candidate.Rules.ToDictionary(rule => rule.Id);
        var combinations = candidate.Rules
            .Where(rule => rule.Kind == RuleKind.Meta)
            .Select(meta =>
            {
                var members = Reach(meta, byId);
                return new RuleCostShare(
                    meta.Id,
                    members.Aggregate(TimeSpan.Zero, (sum, id) => sum + candidateCost.GetValueOrDefault(id)),
                    members.Aggregate(TimeSpan.Zero, (sum, id) => sum + Extra(byId[id])));
            })
            .OrderByDescending(share => share.ExtraOverActive)
            .ToList();

        var blamed = combinations.Take(topN).Concat(rules.Take(topN))
            .Where(share => share.ExtraOverActive > TimeSpan.Zero)
            .OrderByDescending(share => share.ExtraOverActive)
            .Select(share => share.RuleId);
        return new Result([.. rules.Take(topN)], [.. combinations.Take(topN)], [.. blamed]);
    }

    private static Dictionary<string, TimeSpan> Measure(CompiledPatternSet set, IReadOnlyList<GateMessage> corpus, CancellationToken cancellationToken)
    {
        var totals = new Dictionary<string, TimeSpan>();
        foreach (var message in corpus)
        {
            foreach (var cost in set.Scan(message.Content, cancellationToken).RuleCosts ?? [])
            {
                totals[cost.RuleId] = totals.GetValueOrDefault(cost.RuleId) + cost.Elapsed;
            }
        }

        return totals;
    }

    /// <summary>The non-meta rules a meta reaches through nested metas (lint has already refused cycles).</summary>
    private static HashSet<string> Reach(Rule meta, IReadOnlyDictionary<string, Rule> byId)
    {
        var reached = new HashSet<string>();
        var pending = new Stack<Rule>([meta]);
        var seen = new HashSet<string>();
        while (pending.TryPop(out var rule))
        {
            if (!seen.Add(rule.Id))
            {
                continue;
            }

            foreach (var reference in MetaExpression.Parse(rule.Expression!).References)
            {
                if (!byId.TryGetValue(reference, out var referenced))
                {
                    continue;
                }

                if (referenced.Kind == RuleKind.Meta)
                {
                    pending.Push(referenced);
                }
                else
                {
                    reached.Add(referenced.Id);
                }
            }
        }

        return reached;
    }

    /// <summary>Ranked rules, ranked combinations, and the ids to blame.</summary>
    public sealed record Result(IReadOnlyList<RuleCostShare> TopRules, IReadOnlyList<RuleCostShare> TopCombinations, IReadOnlyList<string> Blamed);
}
