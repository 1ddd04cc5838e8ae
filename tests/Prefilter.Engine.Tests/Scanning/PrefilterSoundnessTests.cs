using Prefilter.Engine.Scanning;

namespace Prefilter.Engine.Tests.Scanning;

/// <summary>The literal prefilter and the absent-header shortcut must never change a verdict.</summary>
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
}
