using Prefilter.Engine.Scanning;
using static Prefilter.Engine.Tests.Scanning.TestSets;

namespace Prefilter.Engine.Tests.Scanning;

/// <summary>
/// Regexes without a literal run over a part's units joined (alone, or a group of them at once); what they find there
/// must be what running on each paragraph finds.
/// </summary>
public class JoinedRunTests
{
    private static readonly ScannerOptions Reference = new() { RunEveryRegexOnEveryUnit = true };

    // Twenty rules without a literal, long enough to be grouped; rule k matches "<k letters> <k digits>" only.
    private static readonly Engine.PatternSets.Rule[] Numbered = [.. Enumerable.Range(5, 20)
        .Select(k => Body($"SHAPE_{k}", $@"\b[a-z]{{{k}}}[\t ][0-9]{{{k}}}\b"))];

    [Fact]
    public void Grouped_rules_hit_exactly_the_paragraphs_they_match_even_late_in_the_mail()
    {
        var set = Of(Numbered);
        var filler = string.Join("\r\n\r\n", Enumerable.Range(0, 30).Select(i => $"Paragraph {i} says nothing much."));
        var body = filler + "\r\n\r\n" + new string('q', 7) + " " + new string('7', 7) + "\r\n\r\n" + new string('z', 19) + " " + new string('1', 19);

        var prefiltered = CompiledPatternSet.Compile(set).Scan(Mail(body));
        var reference = CompiledPatternSet.Compile(set, Reference).Scan(Mail(body));

        Assert.Equal(["SHAPE_7", "SHAPE_19"], prefiltered.HitIds());
        Assert.Equal(reference.HitIds(), prefiltered.HitIds());
        Assert.True(prefiltered.RegexRuns * 10 < reference.RegexRuns, $"{prefiltered.RegexRuns} runs against {reference.RegexRuns} for every rule on every paragraph");
    }

    [Fact]
    public void A_match_that_spans_two_paragraphs_is_no_hit_and_the_search_goes_on_after_it()
    {
        var set = Of([.. Numbered, Body("WORD_THEN_CAPITALS", @"[a-z]{5}\s[A-Z]{5}")]);
        var spanning = Mail("The first paragraph ends in hello\r\n\r\nWORLD starts the second.");
        var later = Mail("The first paragraph ends in hello\r\n\r\nWORLD starts the second.\r\n\r\nA third has abcde FGHIJ inside.");

        Assert.Empty(CompiledPatternSet.Compile(set).Scan(spanning).HitIds());
        Assert.Equal(["WORD_THEN_CAPITALS"], CompiledPatternSet.Compile(set).Scan(later).HitIds());
    }

    [Fact]
    public void Grouped_rules_share_the_cost_of_the_group_run_when_sampled()
    {
        var set = CompiledPatternSet.Compile(Of(Numbered), new ScannerOptions { CostSampleRate = 1.0 });

        var result = set.Scan(Mail(string.Join("\r\n\r\n", Enumerable.Range(0, 10).Select(i => $"Nothing in paragraph {i}."))));

        Assert.Empty(result.HitIds());
        Assert.Equal(Numbered.Select(rule => rule.Id).Order(), result.RuleCosts!.Select(cost => cost.RuleId).Order());
    }

    [Theory]
    [InlineData("Weekly notes", new string[0])]
    [InlineData("ABCDEFG 12345 inside", new[] { "SUBJECT_SHAPE_7" })]
    [InlineData("xyzxyzxyzxyz 123456789012 and HIJKLMNOP 123456789", new[] { "SUBJECT_SHAPE_9", "SUBJECT_SHAPE_12" })]
    public void Grouped_header_rules_hit_exactly_what_each_rule_alone_hits(string subject, string[] expected)
    {
        // Rule k: k capitals or k lowercase letters, a space, then digits; a group of them runs on the one header value.
        var set = Of([.. Enumerable.Range(5, 10).Select(k => Header($"SUBJECT_SHAPE_{k}", "Subject", $@"\b(?:[A-Z]{{{k}}}|[a-z]{{{k}}})\s[0-9]{{5,{k}}}\b"))]);

        var prefiltered = CompiledPatternSet.Compile(set).Scan(Mail("Body.", subject: subject));
        var reference = CompiledPatternSet.Compile(set, Reference).Scan(Mail("Body.", subject: subject));

        Assert.Equal(expected, prefiltered.HitIds());
        Assert.Equal(reference.HitIds(), prefiltered.HitIds());
    }

    [Fact]
    public void A_free_spacing_rule_whose_comment_would_swallow_the_rest_of_a_group_runs_alone()
    {
        // Inside an alternation, this rule's '#' comment would run past its own branch and hide every later member.
        var set = Of([Body("SPACED", @"(?x) [a-z]{6} \s [0-9]{6}  \b  # six letters, six digits"), .. Numbered]);

        var result = CompiledPatternSet.Compile(set).Scan(Mail("Code seven: abcdefg 1234567 here. And abcdef 123456."));

        Assert.Equal(["SPACED", "SHAPE_6", "SHAPE_7"], result.HitIds());
    }
}
