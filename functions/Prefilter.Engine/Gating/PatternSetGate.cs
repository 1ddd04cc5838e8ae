using Prefilter.Engine.Linting;
using Prefilter.Engine.Meta;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;

namespace Prefilter.Engine.Gating;

/// <summary>A message of the gate corpus.</summary>
/// <param name="Id">Stable id, used in reports.</param>
/// <param name="Content">Raw RFC 822 bytes.</param>
public sealed record GateMessage(string Id, ReadOnlyMemory<byte> Content);

/// <summary>
/// The release gate: lints a candidate, measures it against the active set on the same corpus in the same run — with
/// the very <see cref="ScannerOptions"/> production scans with — and refuses it when it breaks a <see cref="GateBudget"/>.
/// </summary>
/// <remarks>
/// Timing scans use the production options unchanged. A second pass with per-rule timers on every message
/// (<see cref="ScannerOptions.CostSampleRate"/> = 1) only attributes cost to rules; it never decides pass or fail.
/// </remarks>
public sealed class PatternSetGate(ScannerOptions productionOptions, GateBudget budget)
{
    /// <summary>Runs the gate.</summary>
    /// <param name="candidate">The set to release.</param>
    /// <param name="active">The set serving now, or null on the first publish.</param>
    /// <param name="sample">Real traffic kept for the gate; adversarial mail for the candidate's rules is added to it.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    public GateReport Evaluate(PatternSet candidate, PatternSet? active, IReadOnlyList<GateMessage> sample, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(sample);
        var lint = PatternSetLinter.Lint(candidate);
        var adversarial = AdversarialMail.For(candidate);
        var report = new GateReport
        {
            CandidateDigest = PatternSetJson.ComputeDigest(candidate),
            ActiveDigest = active is null ? null : PatternSetJson.ComputeDigest(active),
            Passed = false,
            Refusals = [],
            Blamed = [],
            Lint = lint,
            SampleMessages = sample.Count,
            AdversarialMessages = adversarial.Count,
        };
        if (!lint.IsValid)
        {
            return RefuseLint(report, lint);
        }

        var corpus = sample.Concat(adversarial).ToArray();
        var measurement = Measure(candidate, active, corpus, cancellationToken);
        var flips = CompareVerdicts(corpus, measurement);
        var attribution = AttributeCost(candidate, active, corpus, measurement, cancellationToken);
        var costRefusals = CostRefusals(measurement);
        List<string> refusals = [.. costRefusals, .. FlipRefusals(flips)];
        return WithFindings(report, corpus, measurement, flips, attribution) with
        {
            Passed = refusals.Count == 0,
            TimingRuns = TimingRunsFor(corpus.Length),
            Refusals = refusals,
            Blamed = refusals.Count == 0 ? [] : Blame(costBreached: costRefusals.Count > 0, attribution, candidate, active, measurement),
        };
    }

    private static GateReport RefuseLint(GateReport report, LintReport lint) => report with
    {
        Refusals = [.. lint.Findings.Select(f => $"lint: {f.RuleId ?? "set"}: {f.Reason}")],
        Blamed = [.. lint.Findings.Select(f => f.RuleId).OfType<string>().Distinct()],
    };

    /// <summary>Scans the corpus with both sets, compiled with the production options, and summarises the costs.</summary>
    private Measurement Measure(PatternSet candidate, PatternSet? active, GateMessage[] corpus, CancellationToken cancellationToken)
    {
        var candidateSet = CompiledPatternSet.Compile(candidate, productionOptions);
        var activeSet = active is null ? null : CompiledPatternSet.Compile(active, productionOptions);
        var (candidateRun, activeRun) = ScanInterleaved(candidateSet, activeSet, corpus, cancellationToken);
        return new Measurement(
            candidateRun,
            activeRun,
            Summarize(candidateRun),
            activeRun is null ? null : Summarize(activeRun),
            activeRun is null ? null : CostRatioEstimate.Of(candidateRun.Lowest, activeRun.Lowest));
    }

    private VerdictFlips CompareVerdicts(GateMessage[] corpus, Measurement measurement) =>
        measurement.Active is null
            ? new VerdictFlips(0, 0, [])
            : Flips(corpus, measurement.Active.Results, measurement.Candidate.Results, budget.TopN);

    /// <summary>Times rules one by one on the costliest tenth of the corpus: those messages make the p99 the budgets judge.</summary>
    private CostAttribution.Result AttributeCost(
        PatternSet candidate, PatternSet? active, GateMessage[] corpus, Measurement measurement, CancellationToken cancellationToken)
    {
        var costliest = corpus.Where((_, i) => measurement.Candidate.Lowest[i] >= measurement.CandidateCost.P90).ToArray();
        return new CostAttribution(candidate, active, productionOptions, budget.TopN).Run(costliest, cancellationToken);
    }

    private List<string> CostRefusals(Measurement measurement)
    {
        var candidateCost = measurement.CandidateCost;
        var refusals = new List<string>();
        if (candidateCost.DeadlineHits > budget.MaxDeadlineHits)
        {
            refusals.Add($"{candidateCost.DeadlineHits} message(s) hit the scan deadline (allowed {budget.MaxDeadlineHits})");
        }

        if (candidateCost.P99 > budget.MaxP99Cost)
        {
            refusals.Add($"p99 scan time {Ms(candidateCost.P99)} ({Clock}) exceeds the ceiling {Ms(budget.MaxP99Cost)}");
        }

        // Judged on the interval's lower bound: refused only when the evidence says the candidate costs more than
        // the budget, not when noise on a few scans pushed the measured ratio over it.
        var estimate = measurement.Estimate;
        if (estimate is not null && estimate.Exceeds(budget.MaxP99CostRatio) && candidateCost.P99 > budget.CostNoiseFloor)
        {
            refusals.Add($"p99 scan time {Ms(candidateCost.P99)} ({Clock}) is {estimate.Ratio:0.00}× the active set's {Ms(measurement.ActiveCost!.P99)}, at least {estimate.Lower:0.00}× with {CostRatioEstimate.Confidence:0 %} confidence (allowed {budget.MaxP99CostRatio:0.##}×)");
        }

        return refusals;
    }

    private List<string> FlipRefusals(VerdictFlips flips)
    {
        var refusals = new List<string>();
        if (flips.HamToSpam > budget.MaxHamToSpamFlips)
        {
            refusals.Add($"{flips.HamToSpam} message(s) delivered by the active set would be flagged (allowed {budget.MaxHamToSpamFlips})");
        }

        if (flips.SpamToHam > budget.MaxSpamToHamFlips)
        {
            refusals.Add($"{flips.SpamToHam} message(s) flagged by the active set would be delivered (allowed {budget.MaxSpamToHamFlips})");
        }

        return refusals;
    }

    /// <summary>A cost breach blames the costliest rules; a verdict breach blames the rule changes behind the flips.</summary>
    private IReadOnlyList<string> Blame(
        bool costBreached, CostAttribution.Result attribution, PatternSet candidate, PatternSet? active, Measurement measurement)
    {
        if (costBreached)
        {
            return [.. attribution.Blamed.Take(budget.TopN)];
        }

        return measurement.Active is null
            ? []
            : [.. FlipBlame(candidate, active!, measurement.Candidate.Results, measurement.Active.Results).Take(budget.TopN)];
    }

    private static GateReport WithFindings(
        GateReport report, GateMessage[] corpus, Measurement measurement, VerdictFlips flips, CostAttribution.Result attribution) => report with
        {
            Candidate = measurement.CandidateCost,
            Active = measurement.ActiveCost,
            P99CostRatio = measurement.Estimate?.Ratio,
            P99CostRatioInterval = measurement.Estimate,
            CostClock = ScanCostClock.Kind,
            Costs = measurement.Active is null ? null : new PairedCosts([.. corpus.Select(message => message.Id)], measurement.Candidate.Lowest, measurement.Active.Lowest),
            HamToSpamFlips = flips.HamToSpam,
            SpamToHamFlips = flips.SpamToHam,
            FlipExamples = flips.Examples,
            TopRules = attribution.TopRules,
            TopCombinations = attribution.TopCombinations,
        };

    private (Measured Candidate, Measured? Active) ScanInterleaved(
        CompiledPatternSet candidate, CompiledPatternSet? active, GateMessage[] corpus, CancellationToken cancellationToken)
    {
        // Interleaving per message puts both sets under the same machine load at the same moment, so the ratio holds
        // even on a busy host; a cold first scan of each set is kept out by one untimed warm-up scan.
        candidate.Scan(corpus[0].Content, cancellationToken);
        active?.Scan(corpus[0].Content, cancellationToken);
        var candidateRun = new Measured(corpus.Length);
        var activeRun = active is null ? null : new Measured(corpus.Length);
        var runs = TimingRunsFor(corpus.Length);
        for (var i = 0; i < corpus.Length; i++)
        {
            for (var run = 0; run < runs; run++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var content = corpus[i].Content;
                candidateRun.Add(i, ScanCostClock.Measure(() => candidate.Scan(content, cancellationToken)));
                if (activeRun is not null)
                {
                    activeRun.Add(i, ScanCostClock.Measure(() => active!.Scan(content, cancellationToken)));
                }
            }
        }

        return (candidateRun, activeRun);
    }

    private int TimingRunsFor(int messages)
    {
        var least = Math.Max(1, budget.TimingRuns);
        return messages >= budget.MinTimedScans
            ? least
            : Math.Max(least, Math.Min(budget.MaxTimingRuns, (budget.MinTimedScans + messages - 1) / messages));
    }

    /// <summary>Both sets' runs over the corpus and what the budgets judge; the active side is null on the first publish.</summary>
    private sealed record Measurement(Measured Candidate, Measured? Active, CostSummary CandidateCost, CostSummary? ActiveCost, CostRatioEstimate? Estimate);

    /// <summary>Messages whose verdict the candidate changes, either way, and the first few of them.</summary>
    private sealed record VerdictFlips(int HamToSpam, int SpamToHam, IReadOnlyList<VerdictFlip> Examples);

    /// <summary>The first result of each message (the verdict) and its lowest cost on <see cref="ScanCostClock"/>.</summary>
    private sealed class Measured(int count)
    {
        public ScanResult[] Results { get; } = new ScanResult[count];

        public TimeSpan[] Lowest { get; } = new TimeSpan[count];

        public void Add(int index, (ScanResult Result, TimeSpan Cost) scan)
        {
            if (Results[index] is null)
            {
                Results[index] = scan.Result;
                Lowest[index] = scan.Cost;
            }
            else if (scan.Cost < Lowest[index])
            {
                Lowest[index] = scan.Cost;
            }
        }
    }

    private static CostSummary Summarize(Measured measured)
    {
        var times = measured.Lowest.Order().ToArray();
        return new CostSummary(At(times, 0.50), At(times, 0.99), times[^1], measured.Results.Count(result => result.DeadlineExceeded)) { P90 = At(times, 0.90) };
    }

    private static TimeSpan At(TimeSpan[] sorted, double quantile) =>
        sorted[(int)Math.Clamp(Math.Ceiling(quantile * sorted.Length) - 1, 0, sorted.Length - 1)];

    private static VerdictFlips Flips(GateMessage[] corpus, ScanResult[] active, ScanResult[] candidate, int maxExamples)
    {
        int hamToSpam = 0, spamToHam = 0;
        var examples = new List<VerdictFlip>();
        for (var i = 0; i < corpus.Length; i++)
        {
            var wasFlagged = active[i].Action != VerdictAction.Deliver;
            var isFlagged = candidate[i].Action != VerdictAction.Deliver;
            if (wasFlagged == isFlagged)
            {
                continue;
            }

            if (isFlagged)
            {
                hamToSpam++;
            }
            else
            {
                spamToHam++;
            }

            if (examples.Count < maxExamples)
            {
                examples.Add(new VerdictFlip(corpus[i].Id, active[i].Action, candidate[i].Action, [.. candidate[i].Hits.Select(hit => hit.RuleId)]));
            }
        }

        return new VerdictFlips(hamToSpam, spamToHam, examples);
    }

    /// <summary>
    /// The changes behind verdict flips, most flips first: for mail the candidate flags, its new or changed rules that
    /// hit; for mail it lets through, the active set's rules that hit and were removed or changed; <c>thresholds</c>
    /// when no rule change explains a flip.
    /// </summary>
    private static IEnumerable<string> FlipBlame(PatternSet candidate, PatternSet active, ScanResult[] candidateResults, ScanResult[] activeResults)
    {
        var candidateRules = candidate.Rules.ToDictionary(rule => rule.Id);
        var activeRules = active.Rules.ToDictionary(rule => rule.Id);
        var counts = new Dictionary<string, int>();
        for (var i = 0; i < candidateResults.Length; i++)
        {
            var wasFlagged = activeResults[i].Action != VerdictAction.Deliver;
            var isFlagged = candidateResults[i].Action != VerdictAction.Deliver;
            if (wasFlagged == isFlagged)
            {
                continue;
            }

            var (hits, rules, other) = isFlagged ? (candidateResults[i], candidateRules, activeRules) : (activeResults[i], activeRules, candidateRules);
            var changed = hits.Hits.Select(hit => hit.RuleId).Where(id => !RuleChanges.Unchanged(rules[id], other)).DefaultIfEmpty("thresholds");
            foreach (var id in changed)
            {
                counts[id] = counts.GetValueOrDefault(id) + 1;
            }
        }

        return counts.OrderByDescending(entry => entry.Value).ThenBy(entry => entry.Key, StringComparer.Ordinal).Select(entry => entry.Key);
    }

    private static string Ms(TimeSpan time) => $"{time.TotalMilliseconds:0.###} ms";

    private static string Clock => ScanCostClock.Kind == CostClock.ThreadCpu ? "CPU time of the scanning thread" : "elapsed";
}
