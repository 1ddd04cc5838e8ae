using Prefilter.Engine.Regexes;
using Prefilter.Engine.Scanning;
using static Prefilter.Engine.Tests.Scanning.TestSets;

namespace Prefilter.Engine.Tests.Scanning;

/// <summary>
/// Look-alike rules whose every letter may be a non-ASCII character wake on any paragraph that holds one; they are
/// tested a group at a time there, and must still hit exactly what each alone hits.
/// </summary>
public class MarkerWakeTests
{
    private static readonly ScannerOptions Reference = new() { RunEveryRegexOnEveryUnit = true };

    // Each letter with the digits, symbols and Cyrillic, Greek and Latin-1 letters that spammers write for it, as in
    // SpamAssassin's look-alike classes: too many spellings for plain literals.
    private static readonly Dictionary<char, string> Spellings = new()
    {
        ['a'] = "aA4@\u0430\u00e0\u00e1\u00e2", ['c'] = "cC\u0441\u00e7\u00a2\u0107", ['e'] = "eE3\u0435\u00e8\u00e9\u00ea\u00eb",
        ['o'] = "oO0\u043e\u00f2\u00f3\u00f4\u00f6", ['p'] = "pP\u0440\u00fe\u03c1\u00b6", ['r'] = "rR\u0433\u00ae\u0453\u044f",
        ['s'] = "sS5\u0455\u015b\u0161", ['u'] = "uUv\u0446\u00f9\u00fa\u00fb\u00fc", ['x'] = "xX\u0445\u00d7\u03c7\u04b3",
        ['y'] = "yY\u0443\u00fd\u00ff\u00a5",
    };

    private static readonly string[] Words =
        ["access", "escape", "peace", "purpose", "occupy", "recap", "spacey", "caper", "scope", "opera",
         "pepper", "copper", "proper", "soccer", "across", "excess", "process", "success", "express", "cypress"];

    private static readonly Engine.PatternSets.Rule[] LookAlikes = [.. Words.Select(word => Body(
        $"LOOKALIKE_{word.ToUpperInvariant()}",
        string.Concat(word.Select(c => $"[{Spellings[c]}]"))))];

    [Fact]
    public void The_rules_wake_on_non_ascii_letters_rather_than_on_a_literal_alone()
    {
        // Spelled all in Cyrillic and Latin-1, "copper" folds to no letters at all: only the marker can wake its rule.
        Assert.All(LookAlikes, rule => Assert.True(RegexAnalyzer.Analyze(rule.Pattern!).MarkerWakes != 0, rule.Id));
    }

    [Fact]
    public void A_paragraph_with_non_ascii_letters_that_none_matches_costs_a_run_per_group_not_per_rule()
    {
        var mail = Mail("\u041f\u0440\u0438\u0432\u0435\u0442, \u044d\u0442\u043e \u043e\u0431\u044b\u0447\u043d\u043e\u0435 \u043f\u0438\u0441\u044c\u043c\u043e.\r\n\r\nA plain paragraph.");

        var prefiltered = CompiledPatternSet.Compile(Of(LookAlikes)).Scan(mail);
        var reference = CompiledPatternSet.Compile(Of(LookAlikes), Reference).Scan(mail);

        Assert.Empty(prefiltered.HitIds());
        Assert.Equal(reference.HitIds(), prefiltered.HitIds());
        Assert.True(prefiltered.RegexRuns <= 2, $"{prefiltered.RegexRuns} runs for {LookAlikes.Length} rules woken on one paragraph");
    }

    [Theory]
    [InlineData("Buy \u0441\u043e\u0440\u0440\u0435r now", new[] { "LOOKALIKE_COPPER" })]
    [InlineData("\u0441\u043e\u0440\u0440\u0435r and s\u0441\u043e\u0440\u0435 and \u0435x\u0441\u0435ss here", new[] { "LOOKALIKE_SCOPE", "LOOKALIKE_COPPER", "LOOKALIKE_EXCESS" })]
    [InlineData("caf\u00e9 copper", new[] { "LOOKALIKE_COPPER" })]
    public void Rules_in_a_group_that_matched_hit_exactly_what_each_alone_hits(string body, string[] expected)
    {
        var mail = Mail(body);

        var prefiltered = CompiledPatternSet.Compile(Of(LookAlikes)).Scan(mail);
        var reference = CompiledPatternSet.Compile(Of(LookAlikes), Reference).Scan(mail);

        Assert.Equal(expected.Order(), prefiltered.HitIds().Order());
        Assert.Equal(reference.HitIds().Order(), prefiltered.HitIds().Order());
    }
}
