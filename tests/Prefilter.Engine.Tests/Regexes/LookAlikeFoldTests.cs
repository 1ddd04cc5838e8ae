using System.Text.RegularExpressions;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Tests.Regexes;

public class LookAlikeFoldTests
{
    [Theory]
    [InlineData("V1AGR4", "viagra", true)]
    [InlineData("V1@GR4", "v1agra", false)]
    [InlineData("v-i-a-g-r-a", "viagra", true)]
    [InlineData("m0neyy", "money", true)]
    [InlineData("Hello there", "viagra", false)]
    public void Obfuscated_spellings_fold_to_the_same_text_as_the_word(string text, string word, bool same)
    {
        Assert.Equal(same, Fold(text) == Fold(word));
    }

    [Fact]
    public void Non_ascii_word_characters_are_flagged_and_dropped()
    {
        var buffer = new char[16];
        var length = LookAlikeFold.Fold("caf\u00e9 ok", buffer, out var markers);

        Assert.Equal(LookAlikeFold.MarkerBit(LookAlikeFold.NonAsciiWord), markers);
        Assert.Equal("oafo", new string(buffer, 0, length));
    }

    // The soundness property the scanner relies on: when an obfuscation rule matches a text, one of its folded
    // literals occurs in the folded text (or the text has a non-ASCII word character and the rule wakes on that).
    [Theory]
    [InlineData(@"(?i)(?:[vV]|\\\/)\W?[i1l]\W?[a4]\W?[gG]\W?[rR]\W?[a4@]", "v|V,i|1|l,a|4,g,r,a|4|@")]
    [InlineData(@"(?i)[m\xcc][o0\xf2-\xf6]{1,2}\W{0,2}[n]\W{0,2}[e3\xe8-\xeb]{1,2}\W{0,2}[yj]", "m|\u00cc,o|0|\u00f2|oo|o0,n,e|3|\u00e8|ee,y|j")]
    [InlineData(@"(?i)[a4\xE0-\xE6@][_\W]?t[_\W]?[i1!|l\xEC-\xEF][_\W]?v[_\W]?[a4\xE0-\xE6@][_\W]?n", "a|4|@|\u00e0,t,i|1|!|l|\u00ec,v,a|4|@,n")]
    public void A_matching_text_always_holds_a_folded_literal(string pattern, string letters)
    {
        var plan = RegexAnalyzer.Analyze(pattern);
        Assert.True(plan.LiteralsAreLookAlikeFolded);
        var regex = new Regex(pattern, RegexOptions.CultureInvariant);
        var variants = letters.Split(',').Select(letter => System.Text.RegularExpressions.Regex.Unescape(letter).Split('|')).ToArray();
        string[] junk = ["", "", " ", "-", ".", "_", "!", "@", "|", " .", "\u00a0"];
        var random = new Random(7);
        var matched = 0;
        for (var i = 0; i < 2_000; i++)
        {
            var text = "x" + string.Concat(variants.Select(options =>
                options[random.Next(options.Length)] + Regex.Unescape(junk[random.Next(junk.Length)]))) + "z";
            if (random.Next(3) == 0)
            {
                text = text.ToUpperInvariant();
            }

            if (!regex.IsMatch(text))
            {
                continue;
            }

            matched++;
            var buffer = new char[text.Length];
            var folded = new string(buffer, 0, LookAlikeFold.Fold(text, buffer, out var markers));
            Assert.True((markers & plan.MarkerWakes) != 0 || plan.RequiredLiterals.Any(folded.Contains),
                $"'{text}' folded '{folded}' holds none of [{string.Join(",", plan.RequiredLiterals)}]");
        }

        Assert.True(matched > 200, $"only {matched} generated texts matched");
    }

    private static string Fold(string text)
    {
        var buffer = new char[text.Length];
        return new string(buffer, 0, LookAlikeFold.Fold(text, buffer, out _));
    }
}
