namespace Prefilter.Engine.Regexes;

/// <summary>Structural facts about <see cref="RegexNode"/> trees: first characters, widths, nullability.</summary>
internal static class RegexShapes
{
    /// <summary>Loops allowed up to this many repetitions count as small: they multiply work by a constant.</summary>
    public const int SmallRepeat = 16;

    // Where work estimates stop growing, far above any budget and far below overflow.
    private const long SaturatedWork = long.MaxValue / 4;

    public static bool IsRepeating(RegexNode node) =>
        node.Kind == RegexNodeKind.Loop && (node.Max == RegexNode.Unbounded || node.Max > SmallRepeat);

    public static bool IsNullable(RegexNode node) => node.Kind switch
    {
        RegexNodeKind.Set => false,
        RegexNodeKind.Concat => node.Children.All(IsNullable),
        RegexNodeKind.Alternate => node.Children.Any(IsNullable),
        RegexNodeKind.Loop => node.Min == 0 || IsNullable(node.Child),
        RegexNodeKind.Group or RegexNodeKind.Atomic => IsNullable(node.Child),
        RegexNodeKind.Conditional => true,
        // A backreference may repeat an empty group.
        _ => true,
    };

    /// <summary>The characters a match of the node can start with (lookarounds and anchors add none).</summary>
    public static CharSet First(RegexNode node)
    {
        var set = CharSet.Empty();
        AddFirst(node, set);
        return set;
    }

    /// <summary>Every character the node can consume.</summary>
    public static CharSet Chars(RegexNode node)
    {
        var set = CharSet.Empty();
        AddChars(node, set);
        return set;
    }

    /// <summary>The shortest match (a backreference or conditional counts as empty).</summary>
    public static long MinWidth(RegexNode node) => node.Kind switch
    {
        RegexNodeKind.Set => 1,
        RegexNodeKind.Concat => node.Children.Sum(MinWidth),
        RegexNodeKind.Alternate => node.Children.Count == 0 ? 0 : node.Children.Min(MinWidth),
        RegexNodeKind.Loop => node.Min * MinWidth(node.Child),
        RegexNodeKind.Group or RegexNodeKind.Atomic => MinWidth(node.Child),
        _ => 0,
    };

    /// <summary>The longest match, or null when unbounded.</summary>
    public static long? MaxWidth(RegexNode node)
    {
        switch (node.Kind)
        {
            case RegexNodeKind.Set:
                return 1;
            case RegexNodeKind.Concat:
                long sum = 0;
                foreach (var child in node.Children)
                {
                    if (MaxWidth(child) is not { } width)
                    {
                        return null;
                    }

                    sum += width;
                }

                return sum;
            case RegexNodeKind.Alternate:
                long max = 0;
                foreach (var child in node.Children)
                {
                    if (MaxWidth(child) is not { } width)
                    {
                        return null;
                    }

                    max = Math.Max(max, width);
                }

                return max;
            case RegexNodeKind.Loop:
                return node.Max == RegexNode.Unbounded ? null : MaxWidth(node.Child) * node.Max;
            case RegexNodeKind.Group:
            case RegexNodeKind.Atomic:
                return MaxWidth(node.Child);
            case RegexNodeKind.Lookaround:
            case RegexNodeKind.Anchor:
            case RegexNodeKind.Empty:
                return 0;
            default:
                return null;
        }
    }

    /// <summary>
    /// An estimate of the automaton the linear engine would build (it refuses more than 10,000 nodes): loops with an
    /// upper bound unroll, so their body counts that many times.
    /// </summary>
    public static long AutomatonSize(RegexNode node)
    {
        switch (node.Kind)
        {
            case RegexNodeKind.Loop:
                var body = AutomatonSize(node.Child);
                var times = node.Max == RegexNode.Unbounded ? Math.Max(node.Min, 1) : node.Max;
                return Math.Min(body * times + 1, int.MaxValue);
            case RegexNodeKind.Set:
            case RegexNodeKind.Anchor:
            case RegexNodeKind.Empty:
                return 1;
            default:
                long sum = 1;
                foreach (var child in node.Children)
                {
                    sum = Math.Min(sum + AutomatonSize(child), int.MaxValue);
                }

                return sum;
        }
    }

    /// <summary>
    /// A bound on the backtracking engine's work from one start position: the ways the pattern can try to match
    /// (alternatives add, a sequence multiplies, a counted loop tries each count) times its widest match; null when the
    /// pattern has an unbounded loop or a construct other than characters, anchors, groups, alternation and counted
    /// loops. A pattern with a bound costs the backtracking engine at most that many steps per character of input.
    /// </summary>
    public static long? BacktrackingWork(RegexNode node) =>
        MaxWidth(node) is { } width && Attempts(node) is { } attempts ? Saturating(attempts, width + 1) : null;

    private static long? Attempts(RegexNode node)
    {
        switch (node.Kind)
        {
            case RegexNodeKind.Set:
            case RegexNodeKind.Anchor:
            case RegexNodeKind.Empty:
                return 1;
            case RegexNodeKind.Group:
                return Attempts(node.Child);
            case RegexNodeKind.Concat:
            case RegexNodeKind.Alternate:
                long total = node.Kind == RegexNodeKind.Concat ? 1 : 0;
                foreach (var child in node.Children)
                {
                    if (Attempts(child) is not { } attempts)
                    {
                        return null;
                    }

                    total = node.Kind == RegexNodeKind.Concat ? Saturating(total, attempts) : Math.Min(total + attempts, SaturatedWork);
                }

                return total;
            case RegexNodeKind.Loop when node.Max != RegexNode.Unbounded && Attempts(node.Child) is { } body:
                // Counts min..max, each count the body's attempts to that power.
                long sum = 0, power = 1;
                for (var count = 0; count <= node.Max && sum < SaturatedWork; count++)
                {
                    if (count >= node.Min)
                    {
                        sum = Math.Min(sum + power, SaturatedWork);
                    }

                    power = Saturating(power, body);
                }

                return sum;
            default:
                return null;
        }
    }

    private static long Saturating(long a, long b) => a == 0 || b <= SaturatedWork / a ? a * b : SaturatedWork;

    /// <summary>All nodes of the tree, parents before children.</summary>
    public static IEnumerable<RegexNode> Descendants(RegexNode node)
    {
        yield return node;
        foreach (var child in node.Children)
        {
            foreach (var descendant in Descendants(child))
            {
                yield return descendant;
            }
        }
    }

    /// <summary>The elements of a concatenation, seen through non-capturing and capturing groups.</summary>
    public static List<RegexNode> Sequence(RegexNode node)
    {
        var items = new List<RegexNode>();
        Flatten(node, items);
        return items;

        static void Flatten(RegexNode node, List<RegexNode> items)
        {
            if (node.Kind == RegexNodeKind.Concat)
            {
                foreach (var child in node.Children)
                {
                    Flatten(child, items);
                }
            }
            else if (node.Kind == RegexNodeKind.Group && node.Child.Kind is RegexNodeKind.Concat or RegexNodeKind.Group)
            {
                Flatten(node.Child, items);
            }
            else
            {
                items.Add(node);
            }
        }
    }

    private static bool AddFirst(RegexNode node, CharSet set)
    {
        // Returns whether the node can match empty, so a concatenation knows to look further.
        switch (node.Kind)
        {
            case RegexNodeKind.Set:
                set.UnionWith(node.Set!);
                return false;
            case RegexNodeKind.Concat:
                foreach (var child in node.Children)
                {
                    if (!AddFirst(child, set))
                    {
                        return false;
                    }
                }

                return true;
            case RegexNodeKind.Alternate:
                var nullable = false;
                foreach (var child in node.Children)
                {
                    nullable |= AddFirst(child, set);
                }

                return nullable;
            case RegexNodeKind.Loop:
                return AddFirst(node.Child, set) || node.Min == 0;
            case RegexNodeKind.Group:
            case RegexNodeKind.Atomic:
                return AddFirst(node.Child, set);
            case RegexNodeKind.Lookaround:
            case RegexNodeKind.Anchor:
            case RegexNodeKind.Empty:
                return true;
            default:
                set.UnionWith(CharSet.Any(true));
                return true;
        }
    }

    private static void AddChars(RegexNode node, CharSet set)
    {
        switch (node.Kind)
        {
            case RegexNodeKind.Set:
                set.UnionWith(node.Set!);
                break;
            case RegexNodeKind.Lookaround:
                break;
            case RegexNodeKind.Backreference:
            case RegexNodeKind.Conditional:
                set.UnionWith(CharSet.Any(true));
                break;
            default:
                foreach (var child in node.Children)
                {
                    AddChars(child, set);
                }

                break;
        }
    }
}
