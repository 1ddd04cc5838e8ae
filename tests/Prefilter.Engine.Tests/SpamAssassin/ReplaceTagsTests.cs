using Prefilter.Engine.SpamAssassin;

namespace Prefilter.Engine.Tests.SpamAssassin;

public class ReplaceTagsTests
{
    private static ReplaceTags Tags()
    {
        var tags = new ReplaceTags();
        tags.Tags["A"] = "[a4]";
        tags.Tags["B"] = "[b8]";
        tags.Tags["C"] = "[ck]";
        tags.Inter["W1"] = @"\W?";
        tags.Post["P2"] = "{1,2}";
        tags.Pre["B0"] = @"\b";
        return tags;
    }

    [Theory]
    [InlineData("<A><B>", "[a4][b8]")]
    [InlineData("(?!ab)<A>x<B>", "(?!ab)[a4]x[b8]")]
    [InlineData(@"<inter W1><A><B><C>", @"[a4]\W?[b8]\W?[ck]")]
    [InlineData(@"<inter W1><A>x<B><C>", @"[a4]x[b8]\W?[ck]")]
    [InlineData("<post P2><A><B>", "[a4]{1,2}[b8]{1,2}")]
    [InlineData(@"<pre B0><A>y<B>", @"\b[a4]y\b[b8]")]
    [InlineData(@"<inter W1><post P2><A><B>", @"[a4]{1,2}\W?[b8]{1,2}")]
    [InlineData("(?<name>x)<A>", "(?<name>x)[a4]")]
    [InlineData("<Z><A>", "<Z>[a4]")]
    [InlineData("no tags", "no tags")]
    public void Expands_like_the_plugin(string pattern, string expected)
    {
        Assert.Equal(expected, Tags().Expand(pattern));
    }

    [Fact]
    public void Expands_a_fuzzy_rule_of_the_shipped_shape_to_the_hand_expanded_text()
    {
        var tags = new ReplaceTags();
        tags.Tags["M"] = "(?:[mM]|rn)";
        tags.Tags["O"] = "(?:[o0])";
        tags.Tags["N"] = "(?:[nN])";
        tags.Inter["W1"] = @"\W?";
        tags.Post["P2"] = "{1,2}";

        var expanded = tags.Expand("<inter W1><post P2>(?!mon)<M><O><N>");

        Assert.Equal(@"(?!mon)(?:[mM]|rn){1,2}\W?(?:[o0]){1,2}\W?(?:[nN]){1,2}", expanded);
    }

    [Fact]
    public void A_tag_whose_value_holds_a_tag_is_expanded_in_a_further_pass()
    {
        var tags = Tags();
        tags.Tags["AB"] = "<A><B>";

        Assert.Equal("[a4][b8]c", tags.Expand("<AB>c"));
    }

    [Fact]
    public void Honours_other_tag_delimiters()
    {
        var tags = Tags();
        tags.Start = "%";
        tags.End = "%";

        // As in the plugin, elements are still split at <…>; each element gets its first %TAG% replaced.
        Assert.Equal("x[a4]y", tags.Expand("x%A%y"));
    }
}
