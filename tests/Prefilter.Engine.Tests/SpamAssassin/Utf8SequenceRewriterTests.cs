using System.Text.RegularExpressions;
using Prefilter.Engine.SpamAssassin;

namespace Prefilter.Engine.Tests.SpamAssassin;

public class Utf8SequenceRewriterTests
{
    [Theory]
    [InlineData(@"[\xc3][\x87\xa7]", @"[\x{c7}\x{e7}]")]
    [InlineData(@"x(?:[\xe1](?:[\xb8][\x88\x89]|[\xba][\x9a]))y", @"x(?:[\x{1e08}-\x{1e09}\x{1e9a}])y")]
    [InlineData(@"[\xf0][\x9d](?:[\x90][\x80\x9a])", @"[\x{1d400}\x{1d41a}]")]
    [InlineData("\u00C3\u00A9", @"[\x{e9}]")]
    [InlineData(@"[\xc3][\x80-\x82]", @"[\x{c0}-\x{c2}]")]
    [InlineData(@"(?:[aA\xc0]|[\xc3][\xa0])", @"(?:[aA\xc0]|[\x{e0}])")]
    public void Rewrites_spelled_out_utf8_sequences_to_characters(string pattern, string expected)
    {
        Assert.Equal(expected, Utf8SequenceRewriter.Rewrite(pattern, "i"));
    }

    [Theory]
    [InlineData(@"[\xc3][\xa1]+")] // the quantifier applies to one byte only
    [InlineData(@"[\xc3]+[\xa1]")]
    [InlineData(@"caf[\xe9]")] // a single Latin-1 byte is the letter on decoded text too
    [InlineData(@"[\xe1][\xb8]x")] // a three-byte lead with one continuation byte
    [InlineData(@"[\xc3](?:[\xa1]|b)")]
    [InlineData(@"[^\xc3][\xa1]")]
    public void Leaves_everything_else_alone(string pattern)
    {
        Assert.Equal(pattern, Utf8SequenceRewriter.Rewrite(pattern, ""));
    }

    [Fact]
    public void Leaves_extended_patterns_alone()
    {
        Assert.Equal(@"[\xc3] [\xa9]", Utf8SequenceRewriter.Rewrite(@"[\xc3] [\xa9]", "x"));
    }

    [Fact]
    public void Code_points_above_the_bmp_become_surrogate_pairs_that_match()
    {
        var perl = Utf8SequenceRewriter.Rewrite(@"^[\xf0][\x9d](?:[\x90][\x80\x9a])$", "");
        Assert.True(PerlRegexConverter.TryConvert(perl, "", out var converted, out var failure), failure?.Reason);

        Assert.Equal(@"^(?:\uD835[\uDC00\uDC1A])$", converted);
        Assert.Matches(converted, "\U0001D400");
        Assert.DoesNotMatch(converted, "\U0001D401");
    }

    [Fact]
    public void The_importer_decodes_sequences_except_in_full_rules_and_when_told_not_to()
    {
        const string rules = "body B1 /caf(?:[\\xe9]|[\\xc3][\\xa9])/\nfull F1 /caf[\\xc3][\\xa9]/\n";
        var decoded = new SpamAssassinImporter().Import([("50.cf", new StringReader(rules))]);
        var octets = new SpamAssassinImporter(new SpamAssassinImportOptions { DecodeUtf8Sequences = false })
            .Import([("50.cf", new StringReader(rules))]);

        var body = decoded.Set.Rules.Single(r => r.Id == "B1").Pattern!;
        Assert.Equal("caf(?:[\u00E9]|[\u00E9])", body);
        Assert.Matches(body, "caf\u00E9");
        Assert.Equal("caf[\u00C3][\u00A9]", decoded.Set.Rules.Single(r => r.Id == "F1").Pattern);
        Assert.Equal("caf(?:[\u00E9]|[\u00C3][\u00A9])", octets.Set.Rules.Single(r => r.Id == "B1").Pattern);
        Assert.Matches(new Regex(octets.Set.Rules.Single(r => r.Id == "B1").Pattern!), "caf\u00C3\u00A9");
    }
}
