using System.Text.RegularExpressions;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Tests.Regexes;

public class LookAlikeFoldTests
{
    [Theory]
    [InlineData("V1AGR4", "viagra", true)]
    [InlineData("V1@GR4", "v1agra", true)]
    [InlineData("V1@GR4", "v1cgra", false)]
    [InlineData("v-i-a-g-r-a", "viagra", true)]
    [InlineData("m0neyy", "money", true)]
    [InlineData("V!AGR|A", "viagria", true)]
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
    [InlineData(@"(?i)(?:[yY]|&\#(?:1(?:03[01]|11[01]|216|231)|2(?:0[4-7]|16|3[6-9]|9[6-9]));)\W?[oO0\u043e]\W?[uU\u0446]\W?[rR\u0433]", "y|&#1030;|&#299;|\u0443,o|0|\u043e,u|\u0446,r|\u0433")]
    [InlineData(@"(?i)(?:[pP\u0440])+\W{0,2}(?:[aA@\u0430])+\W{0,2}(?:[yY\u0443])+\W{0,2}(?:[mM\u043c])+\W{0,2}(?:[eE3\u0435])+", "p|\u0440|pp|p\u0440,a|@|\u0430|aa|a@,y|\u0443,m|\u043c|mm|m\u043cm,e|3|\u0435|ee")]
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

    [Fact]
    public void Repeated_look_alike_classes_keep_a_folded_literal()
    {
        var plan = RegexAnalyzer.Analyze(@"(?i)(?:^|\s)(?:[pP\u0440])+(?:[aA@\u0430])+(?:[yY\u0443])+\s(?:[mM\u043c])+(?:[eE3\u0435])+");

        Assert.True(plan.LiteralsAreLookAlikeFolded);
        Assert.Equal(["paime"], plan.RequiredLiterals);
    }

    [Fact]
    public void Character_reference_spellings_keep_a_folded_literal()
    {
        var plan = RegexAnalyzer.Analyze(@"(?i)(?:^|\s)(?:[yY\u0443]|&\#(?:1(?:03[01]|11[01]|216|231)|2(?:0[4-7]|16|3[6-9]|9[6-9])|3(?:0[0-5])|4(?:0[67]|6[34])|52[0-3]);)(?:[oO0\u043e])(?:[uU\u0446])(?:[rR\u0433])\s");

        Assert.True(plan.LiteralsAreLookAlikeFolded);
        Assert.Equal(["ior"], plan.RequiredLiterals);
    }

    [Fact]
    public void Branches_with_too_many_literals_share_their_first_characters()
    {
        var words = Enumerable.Range(0, 40).Select(i => $"w{i:00}").ToArray();
        var pattern = $"(?:account_(?:{string.Join("|", words)})|payment_(?:{string.Join("|", words)}))";
        var plan = RegexAnalyzer.Analyze(pattern);

        Assert.NotEmpty(plan.RequiredLiterals);
        Assert.True(plan.RequiredLiterals.Count <= 64);
        foreach (var text in words.Select(word => "account_" + word).Concat(words.Select(word => "payment_" + word)))
        {
            Assert.Contains(plan.RequiredLiterals, literal => text.Contains(literal, StringComparison.OrdinalIgnoreCase));
        }
    }

    private static string Fold(string text)
    {
        var buffer = new char[text.Length];
        return new string(buffer, 0, LookAlikeFold.Fold(text, buffer, out _));
    }
}
