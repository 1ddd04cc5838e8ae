using Prefilter.Engine.Scanning;

namespace Prefilter.Engine.Tests.Scanning;

public class LiteralIndexTests
{
    private static List<(int Start, int End, int Check)> Find(LiteralIndex index, string text)
    {
        var found = new List<(int, int, int)>();
        foreach (var match in index.Find(text))
        {
            found.Add(match);
        }

        return found;
    }

    private static Dictionary<string, List<int>> Literals(params (string Literal, int Check)[] literals) =>
        literals.ToDictionary(pair => pair.Literal, pair => new List<int> { pair.Check });

    [Fact]
    public void Every_occurrence_of_overlapping_and_nested_literals_is_found()
    {
        var index = new LiteralIndex(Literals(("he", 1), ("she", 2), ("his", 3), ("hers", 4)), ignoreCase: false);

        var found = Find(index, "ushers his");

        Assert.Equal([(1, 4, 2), (2, 4, 1), (2, 6, 4), (7, 10, 3)], found.Order());
    }

    [Fact]
    public void Ignoring_case_matches_as_ordinal_ignore_case_does_including_non_ascii()
    {
        var index = new LiteralIndex(Literals(("viagra", 1), ("été", 2)), ignoreCase: true);

        Assert.Equal([(0, 6, 1), (7, 10, 2)], Find(index, "VIAgra ÉTÉ"));
        Assert.Empty(Find(index, "v1agra ete"));
    }

    [Fact]
    public void Ordinal_literals_are_case_sensitive_and_characters_no_literal_uses_reset_the_search()
    {
        var index = new LiteralIndex(Literals(("money", 7)), ignoreCase: false);

        Assert.Empty(Find(index, "MONEY mon€ey"));
        Assert.Equal([(6, 11, 7)], Find(index, "mon€y money"));
    }
}
