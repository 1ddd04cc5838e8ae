using Prefilter.Engine.Regexes;
using Prefilter.Engine.Scanning;

namespace Prefilter.Engine.Tests.Scanning;

/// <summary>The literal prefilter, the absent-header shortcut and the choice of engine must never change a verdict.</summary>
public class PrefilterSoundnessTests(SpamAssassinCorpusFixture fixture) : IClassFixture<SpamAssassinCorpusFixture>
{
    // Budgets far above anything a healthy run needs: a shared, loaded test machine must not turn into differences.
    private static readonly ScannerOptions Generous = new() { Deadline = TimeSpan.FromMinutes(5), BacktrackingTimeout = TimeSpan.FromSeconds(30) };

    [SpamAssassinCorpusFact]
    public void Prefiltered_scans_hit_exactly_what_running_every_regex_on_every_unit_hits()
    {
        var reference = CompiledPatternSet.Compile(fixture.Set, Generous with { RunEveryRegexOnEveryUnit = true });
        var prefiltered = CompiledPatternSet.Compile(fixture.Set, Generous);
        var differences = new List<string>();
        var totalHits = 0;
        var prefilteredRuns = 0L;
        var referenceRuns = 0L;
        foreach (var (file, bytes) in fixture.Messages)
        {
            var expected = reference.Scan(bytes);
            var actual = prefiltered.Scan(bytes);
            Assert.False(expected.Incomplete, $"{file}: reference scan incomplete: {expected.IncompleteReason}");
            Assert.False(actual.Incomplete, $"{file}: scan incomplete: {actual.IncompleteReason}");
            var want = expected.Hits.Select(h => h.RuleId).ToHashSet();
            var got = actual.Hits.Select(h => h.RuleId).ToHashSet();
            totalHits += want.Count;
            prefilteredRuns += actual.RegexRuns;
            referenceRuns += expected.RegexRuns;
            if (!want.SetEquals(got))
            {
                differences.Add($"{Path.GetFileName(file)}: missing [{string.Join(",", want.Except(got))}] extra [{string.Join(",", got.Except(want))}]");
            }
        }

        Assert.True(differences.Count == 0, string.Join("\n", differences.Take(20)));

        // The comparison means something only when rules hit, and the prefilter only helps when it skips work.
        Assert.True(totalHits > fixture.Messages.Count, $"only {totalHits} hits over {fixture.Messages.Count} messages");
        Assert.True(prefilteredRuns * 5 < referenceRuns, $"prefilter ran {prefilteredRuns} regexes, reference {referenceRuns}");
    }

    // The whole public corpus, not the sample: the modes differ in which engine runs a pattern, so every pattern must
    // meet every kind of text the corpus has.
    [SpamAssassinCorpusFact]
    public void Every_engine_mode_hits_exactly_what_the_linear_engine_alone_hits_on_the_whole_corpus()
    {
        var reference = CompiledPatternSet.Compile(fixture.Set, Generous with { EngineMode = ScanEngineMode.LinearOnly });
        var hybrid = CompiledPatternSet.Compile(fixture.Set, Generous with { EngineMode = ScanEngineMode.Hybrid });
        AssertSameVerdictsOnTheWholeCorpus(reference, hybrid);
    }

    // Hyperscan runs most patterns on its own and screens others for .NET's engines; on every message of the public
    // corpus it must hit exactly what .NET's engines alone hit.
    [HyperscanFact]
    public void Hyperscan_hits_exactly_what_dot_nets_engines_alone_hit_on_the_whole_corpus()
    {
        var reference = CompiledPatternSet.Compile(fixture.Set, Generous with { Accelerator = ScanAccelerator.None });
        var accelerated = CompiledPatternSet.Compile(fixture.Set, Generous with { Accelerator = ScanAccelerator.Hyperscan });
        Assert.Equal(ScanAccelerator.Hyperscan, accelerated.Accelerator);
        Assert.True(accelerated.AcceleratedRegexes * 2 > accelerated.DistinctRegexes, $"Hyperscan runs {accelerated.AcceleratedRegexes} of {accelerated.DistinctRegexes}");
        AssertSameVerdictsOnTheWholeCorpus(reference, accelerated);
    }

    // Same incomplete reason, hits, score and action on every message of the public corpus, and enough hits for that
    // to mean something.
    private static void AssertSameVerdictsOnTheWholeCorpus(CompiledPatternSet reference, CompiledPatternSet other)
    {
        var differences = new List<string>();
        var totalHits = 0;
        var messages = Messages.PublicCorpus.Messages();
        foreach (var file in messages)
        {
            var bytes = File.ReadAllBytes(file);
            var expected = reference.Scan(bytes);
            var actual = other.Scan(bytes);
            Assert.Equal(expected.IncompleteReason, actual.IncompleteReason);
            var want = expected.Hits.Select(h => h.RuleId).ToHashSet();
            var got = actual.Hits.Select(h => h.RuleId).ToList();
            totalHits += want.Count;
            if (!want.SetEquals(got) || expected.Score != actual.Score || expected.Action != actual.Action)
            {
                differences.Add($"{Path.GetFileName(file)}: missing [{string.Join(",", want.Except(got))}] extra [{string.Join(",", got.Except(want))}]");
            }
        }

        Assert.True(differences.Count == 0, $"{differences.Count} messages differ:\n" + string.Join("\n", differences.Take(30)));
        Assert.True(totalHits > messages.Count, $"only {totalHits} hits over {messages.Count} messages");
    }

    [SpamAssassinCorpusFact]
    public void A_linear_engine_budget_far_too_small_evicts_and_still_hits_the_same()
    {
        // The set's regex rules without its look-alike ones, whose automata (6-90 MB) a starved set would rebuild for
        // nearly every mail, for minutes; what eviction must keep is the same for every engine.
        var set = fixture.Set with
        {
            Rules = [.. fixture.Set.Rules.Where(rule => rule.Pattern is { } pattern && !RegexAnalyzer.Analyze(pattern).LiteralsAreLookAlikeFolded)],
        };
        var reference = CompiledPatternSet.Compile(set, Generous);
        var starved = CompiledPatternSet.Compile(set, Generous with { LinearEngineBudgetBytes = 4 * 1024 * 1024 });
        // Every 20th of the sample: each rebuild costs milliseconds, and a starved set rebuilds for every mail.
        foreach (var (file, bytes) in fixture.Messages.Where((_, index) => index % 20 == 0))
        {
            var expected = reference.Scan(bytes).Hits.Select(h => h.RuleId).Order();
            Assert.True(expected.SequenceEqual(starved.Scan(bytes).Hits.Select(h => h.RuleId).Order()), $"{file}: hits differ under a small budget");
            Assert.True(starved.LinearEngines.HeldBytes <= 4 * 1024 * 1024 || starved.LinearEngines.Builds - starved.LinearEngines.Evictions == 1,
                $"held {starved.LinearEngines.HeldBytes} bytes in {starved.LinearEngines.Builds - starved.LinearEngines.Evictions} engines over a 4 MiB budget");
        }

        Assert.True(starved.LinearEngines.Evictions > 0, "nothing was evicted");
        Assert.True(starved.LinearEngines.PeakBytes < reference.LinearEngines.PeakBytes, "the budget did not lower the peak");
    }
}
