namespace Prefilter.Engine.Regexes;

/// <summary>
/// The static check that lets a pattern run on the backtracking engine: it looks for the shapes whose work grows
/// faster than the input — a repeated group whose iterations can split the same text in many ways (<c>(a+)+</c>,
/// <c>(\w+\s?)*</c>, <c>(a|aa)*</c>) and chains of three or more overlapping unbounded quantifiers
/// (<c>.*a.*a.*</c>, <c>(.*a){3}</c>). It errs on the side of refusing.
/// </summary>
internal static class ExplosionCheck
{
    private const int MaxOverlappingChain = 2;

    /// <summary>Null when none of the shapes is found; otherwise the shape and where.</summary>
    public static string? FindExplodingShape(RegexNode root, string pattern)
    {
        foreach (var node in RegexShapes.Descendants(root))
        {
            if (RegexShapes.IsRepeating(node) && AmbiguousIteration(node, pattern) is { } reason)
            {
                return reason;
            }

            if (node.Kind == RegexNodeKind.Concat || node == root)
            {
                var chain = LongestOverlappingChain(RegexShapes.Sequence(node), out var at);
                if (chain > MaxOverlappingChain)
                {
                    return $"{chain} overlapping unbounded quantifiers in a row from offset {at} ('{Excerpt(pattern, at)}'): " +
                        $"backtracking work grows like the input length to the power {chain}";
                }
            }
        }

        return null;
    }

    private static string? AmbiguousIteration(RegexNode loop, string pattern)
    {
        var body = loop.Child;
        var first = RegexShapes.First(body);
        var items = RegexShapes.Sequence(body);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            foreach (var inner in RegexShapes.Descendants(item))
            {
                if (inner.Kind == RegexNodeKind.Loop && (inner.Max == RegexNode.Unbounded || inner.Max > 1))
                {
                    if (inner != item && item.Kind != RegexNodeKind.Loop)
                    {
                        return Nested(loop, inner, pattern);
                    }

                    // What may follow the inner loop within one iteration, or the next iteration's start.
                    var follow = CharSet.Empty();
                    var reachesEnd = true;
                    for (var j = i + 1; j < items.Count && reachesEnd; j++)
                    {
                        follow.UnionWith(RegexShapes.First(items[j]));
                        reachesEnd = RegexShapes.IsNullable(items[j]);
                    }

                    if (reachesEnd)
                    {
                        follow.UnionWith(first);
                    }

                    if (RegexShapes.Chars(inner).Overlaps(follow))
                    {
                        return Nested(loop, inner, pattern);
                    }
                }

                if (inner.Kind == RegexNodeKind.Alternate && OverlappingBranches(inner))
                {
                    return $"alternatives that can match the same text inside a repeated group at offset {loop.Start} " +
                        $"('{Excerpt(pattern, loop.Start)}'): backtracking can try exponentially many ways to split the input";
                }
            }
        }

        return null;
    }

    private static string Nested(RegexNode outer, RegexNode inner, string pattern) =>
        $"nested quantifier at offset {inner.Start} inside the repeated group at offset {outer.Start} " +
        $"('{Excerpt(pattern, outer.Start)}'): backtracking can try exponentially many ways to split the input";

    private static bool OverlappingBranches(RegexNode alternate)
    {
        var firsts = alternate.Children.Select(RegexShapes.First).ToList();
        for (var i = 0; i < firsts.Count; i++)
        {
            for (var j = i + 1; j < firsts.Count; j++)
            {
                if (firsts[i].Overlaps(firsts[j]))
                {
                    return true;
                }
            }
        }

        return false;
    }

    private static int LongestOverlappingChain(List<RegexNode> items, out int at)
    {
        var expanded = new List<RegexNode>();
        foreach (var item in items)
        {
            // A small counted repeat of something with an unbounded loop inside behaves like its body written out.
            if (item.Kind == RegexNodeKind.Loop && !RegexShapes.IsRepeating(item) && item.Max > 1
                && RegexShapes.Descendants(item.Child).Any(RegexShapes.IsRepeating))
            {
                var body = RegexShapes.Sequence(item.Child);
                for (var i = 0; i < Math.Min(item.Max, MaxOverlappingChain + 1); i++)
                {
                    expanded.AddRange(body);
                }
            }
            else
            {
                expanded.Add(item);
            }
        }

        var best = 0;
        var chain = 0;
        at = 0;
        var chainStart = 0;
        CharSet? tail = null;
        foreach (var item in expanded)
        {
            if (RegexShapes.IsRepeating(item))
            {
                var chars = RegexShapes.Chars(item);
                if (tail is not null && tail.Overlaps(chars))
                {
                    chain++;
                }
                else
                {
                    chain = 1;
                    chainStart = item.Start;
                }

                tail = chars;
                if (chain > best)
                {
                    best = chain;
                    at = chainStart;
                }
            }
            else if (tail is not null && !RegexShapes.IsNullable(item) && !tail.Overlaps(RegexShapes.Chars(item)))
            {
                tail = null;
                chain = 0;
            }
        }

        return best;
    }

    private static string Excerpt(string pattern, int at) =>
        pattern.Length - at <= 40 ? pattern[at..] : pattern.Substring(at, 40) + "…";
}
