using System.Text.RegularExpressions;
using Prefilter.Engine.Hyperscan;
using Prefilter.Engine.Tests.Scanning;

namespace Prefilter.Engine.Tests.Hyperscan;

public sealed class HyperscanTranslationTests
{
    [Theory]
    [InlineData(@"(\w)\1", "a backreference")]
    [InlineData(@"\Gabc", "\\G")]
    [InlineData(@"(?(a)b|c)", "a conditional")]
    [InlineData(@"[a-z-[aeiou]]", "class subtraction")]
    [InlineData(@"(?x) a b", "free spacing")]
    [InlineData(@"(?mi)\p{Lu}", "a cased category, which (?i) widens in .NET only")]
    [InlineData(@"\p{IsCyrillic}", "a named block")]
    [InlineData(@"\cA", "a control escape")]
    public void Constructs_the_engines_read_differently_are_not_translated(string pattern, string why) =>
        Assert.True(HyperscanTranslation.Translate(pattern, keepWordBoundaries: false) is null, why);

    [Theory]
    [InlineData(@"cheap\s+pills", false, "Exact")]
    [InlineData(@"\bpills\b", false, "Screen")]
    [InlineData(@"\bpills\b", true, "ExactOnAscii")]
    [InlineData(@"free(?=\s+money)", true, "Screen")]
    [InlineData(@"(?>a+)b", true, "Screen")]
    [InlineData(@"<[^>]{1,1000}>", true, "Screen")]
    [InlineData(@"a{1,32}", true, "Exact")]
    [InlineData("\\uD835[\\uDC00-\\uDC19]", true, "Exact")]
    public void Each_translation_says_how_far_its_matches_are_the_patterns(string pattern, bool keepWordBoundaries, string fidelity) =>
        Assert.Equal(fidelity, HyperscanTranslation.Translate(pattern, keepWordBoundaries)!.Value.Fidelity.ToString());

    // Pairs where the engines could part: anchors at a final newline, inline options, Unicode classes, case folding
    // outside ASCII, text outside the Basic Multilingual Plane, braces that are not counts.
    [HyperscanAvailableTheory]
    [InlineData(@"abc$", "xabc\n")]
    [InlineData(@"abc$", "abc\nx")]
    [InlineData(@"abc\z", "abc\n")]
    [InlineData(@"abc\Z", "abc\n")]
    [InlineData(@"^a", "b\na")]
    [InlineData(@"(?m)^a", "b\na")]
    [InlineData(@"x(?i)ABC", "xabc")]
    [InlineData(@"x(?i:A)b", "xaB")]
    [InlineData(@"\w+é", "café")]
    [InlineData(@"^\w$", "\u0903")]
    [InlineData(@"^\w$", "\u00B2")]
    [InlineData(@"a{,3}", "a{,3}")]
    [InlineData(@"(?i)é", "É")]
    [InlineData(@"(?i)[à-å]", "Ä")]
    [InlineData(@"(?i)k", "\u212A")]
    [InlineData(@"^.$", "😀")]
    [InlineData(@"^..$", "😀")]
    [InlineData(@"a.b", "a😀b")]
    [InlineData("\\uD83D\\uDE00+", "\U0001F600\uDE00")]
    [InlineData(@"[^a]", "é")]
    [InlineData(@"\d", "٣")]
    [InlineData(@"\s", "\u00A0")]
    [InlineData(@"\s", "\u2028")]
    [InlineData(@"\W", "😀")]
    public void An_exact_translation_matches_where_dot_nets_engine_does(string pattern, string text)
    {
        var translation = HyperscanTranslation.Translate(pattern, keepWordBoundaries: false)!.Value;
        Assert.Equal(HyperscanFidelity.Exact, translation.Fidelity);
        using var database = HyperscanDatabase.Compile([new HyperscanExpression(0, translation.Expression, HyperscanTranslation.Flags)], out var refused)!;
        Assert.Empty(refused);
        using var scratch = HyperscanScratch.Allocate([database]);
        var utf8 = new byte[HyperscanText.MaxBytes(text.Length)];
        var matched = new int[1];

        var count = database.Scan(utf8.AsSpan(0, HyperscanText.Encode(text, utf8)), scratch, matched);

        Assert.Equal(Regex.IsMatch(text, pattern, RegexOptions.CultureInvariant), count == 1);
    }
}
