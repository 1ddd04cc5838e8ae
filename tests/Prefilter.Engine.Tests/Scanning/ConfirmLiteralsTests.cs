using Prefilter.Engine.Scanning;
using static Prefilter.Engine.Tests.Scanning.TestSets;

namespace Prefilter.Engine.Tests.Scanning;

/// <summary>
/// A regex woken by one literal runs on a paragraph only if the literals of its other mandatory parts are there too;
/// it must still hit exactly what running it everywhere hits.
/// </summary>
public class ConfirmLiteralsTests
{
    private static readonly ScannerOptions Reference = new() { RunEveryRegexOnEveryUnit = true };

    private static readonly Engine.PatternSets.PatternSet Set = Of(
        Body("WON_YOUR", @"(?i)\bw[io]n\s(?:(?:for|by)\s)?your?\b"),
        Body("LEADS", @"(?i)\b(?:business|promotion)\s+(?:leads|sales)\b"));

    [Fact]
    public void Paragraphs_that_hold_only_the_waking_literal_cost_no_run()
    {
        var body = string.Join("\r\n\r\n", Enumerable.Range(0, 20).Select(i => $"Thank you for paragraph {i} of your business plan."));

        var prefiltered = CompiledPatternSet.Compile(Set).Scan(Mail(body));
        var reference = CompiledPatternSet.Compile(Set, Reference).Scan(Mail(body));

        Assert.Empty(prefiltered.HitIds());
        Assert.Empty(reference.HitIds());
        Assert.Equal(0, prefiltered.RegexRuns);
    }

    [Theory]
    [InlineData("You won your prize.", new[] { "WON_YOUR" })]
    [InlineData("Your win: business\r\nleads for you.", new[] { "LEADS" })]
    [InlineData("You have won.\r\n\r\nYour promotion sales, a win by you.", new[] { "WON_YOUR", "LEADS" })]
    [InlineData("Won in one paragraph.\r\n\r\nYour turn in the next.", new string[0])]
    public void Rules_hit_exactly_what_running_everywhere_hits(string body, string[] expected)
    {
        var prefiltered = CompiledPatternSet.Compile(Set).Scan(Mail(body));
        var reference = CompiledPatternSet.Compile(Set, Reference).Scan(Mail(body));

        Assert.Equal(expected, prefiltered.HitIds());
        Assert.Equal(reference.HitIds(), prefiltered.HitIds());
    }
}
