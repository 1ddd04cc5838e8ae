namespace Prefilter.Engine.Regexes;

/// <summary>
/// Derives from a syntax tree a set of literals at least one of which occurs in any text the pattern matches
/// (the approach of Google Code Search's regexp-to-trigram queries: each node knows its exact strings when few,
/// else the strings every match starts and ends with, and the best requirement found inside it).
/// </summary>
/// <remarks>
/// Literals are lowercase and meant for an <see cref="StringComparison.OrdinalIgnoreCase"/> search, which finds a
/// superset of what the pattern's own case rules allow. In folded mode every character goes through
/// <see cref="LookAlikeFold.Map"/> first and strings that hold a non-ASCII word character shrink to
/// <see cref="LookAlikeFold.NonAsciiWordMarker"/> (a weaker requirement: "some such character occurs").
/// </remarks>
internal sealed class LiteralExtractor
{
    /// <summary>Shortest literal worth searching for; shorter ones wake a rule on nearly every unit.</summary>
    public const int MinUsefulLength = 3;

    private const int MaxSetSize = 64;
    private const int MaxClassMembers = 128;
    private const int MaxFoldedAlternatives = 8;
    private const int MaxExpandedRepeat = 3;
    private const int MaxRepeatedLiteralLength = 256;

    private static readonly HashSet<string> Nothing = [""];

    private readonly bool folded;

    private LiteralExtractor(bool folded) => this.folded = folded;

    /// <summary>The best requirement, or an empty list when none is useful.</summary>
    public static IReadOnlyList<string> Extract(RegexNode root, bool folded)
    {
        var extractor = new LiteralExtractor(folded);
        var best = extractor.Best(extractor.Visit(root));
        return best is not null && extractor.Score(best) >= MinUsefulLength * 1000 - MaxSetSize
            ? [.. best.Order(StringComparer.Ordinal)]
            : [];
    }

    /// <summary>
    /// Every useful requirement of the pattern's mandatory parts, best first: a match holds a literal of each set
    /// (parts of a concatenation all match; a repeated part matches at least once). Plain mode only.
    /// </summary>
    public static IReadOnlyList<IReadOnlyList<string>> ExtractAll(RegexNode root)
    {
        var extractor = new LiteralExtractor(folded: false);
        var info = extractor.Visit(root);
        var sets = new List<HashSet<string>>();
        foreach (var requirement in info.Requirements().Append(extractor.Best(info)))
        {
            // A text holds "alpha" or "alphabeta" exactly when it holds "alpha".
            var set = requirement?.Where(s => !requirement.Any(other => other != s && s.Contains(other, StringComparison.Ordinal))).ToHashSet(StringComparer.Ordinal);
            if (set is not null && extractor.Score(set) >= MinUsefulLength * 1000 - MaxSetSize && !sets.Exists(set.SetEquals))
            {
                sets.Add(set);
            }
        }

        return [.. sets.OrderByDescending(extractor.Score).Select(set => (IReadOnlyList<string>)[.. set.Order(StringComparer.Ordinal)])];
    }

    private Info Visit(RegexNode node)
    {
        switch (node.Kind)
        {
            case RegexNodeKind.Empty:
            case RegexNodeKind.Anchor:
                return Info.OfExact(Nothing);
            case RegexNodeKind.Set:
                return OfSet(node.Set!);
            case RegexNodeKind.Group:
            case RegexNodeKind.Atomic:
                return Visit(node.Child);
            case RegexNodeKind.Lookaround:
                var inner = node.Negated ? null : Best(Visit(node.Child));
                return new Info { Exact = Nothing, Prefix = Nothing, Suffix = Nothing, Required = Usable(inner) };
            case RegexNodeKind.Concat:
                return VisitConcat(node.Children);
            case RegexNodeKind.Alternate:
                return Alternate(node.Children.Select(Visit).ToList());
            case RegexNodeKind.Loop:
                return Loop(Visit(node.Child), node.Min, node.Max);
            default:
                return Info.Unknown();
        }
    }

    private Info VisitConcat(List<RegexNode> children)
    {
        // Runs of single characters join into one string first: long literals would otherwise cost a cross product per character.
        Info? info = null;
        var run = new System.Text.StringBuilder();
        foreach (var child in children)
        {
            if (child.Kind == RegexNodeKind.Set && SingleString(child.Set!) is { } single)
            {
                run.Append(single);
                continue;
            }

            Flush();
            var next = Visit(child);
            info = info is null ? next : Concat(info, next);
        }

        Flush();
        return info ?? Info.OfExact(Nothing);

        void Flush()
        {
            if (run.Length == 0)
            {
                return;
            }

            var text = run.ToString();
            var literal = Info.OfExact(new HashSet<string>(StringComparer.Ordinal) { this.folded ? LookAlikeFold.Collapse(text) : text });
            info = info is null ? literal : Concat(info, literal);
            run.Clear();
        }
    }

    // The one string a single-character set stands for, when it stands for exactly one (and not the marker).
    private string? SingleString(CharSet set)
    {
        // A set with no member at all (such as [^\s\S]) matches nothing: no string to require either.
        var members = set.Members(2);
        if (members is not { Count: > 0 })
        {
            return null;
        }

        if (this.folded)
        {
            var first = FoldChar(members[0]);
            return !(first.Length == 1 && LookAlikeFold.IsMarker(first[0])) && members.TrueForAll(c => FoldChar(c) == first) ? first : null;
        }

        var lower = Lower(members[0]);
        return members.TrueForAll(c => Lower(c) == lower) ? lower.ToString() : null;

        static char Lower(char c) => c < 128 ? char.ToLowerInvariant(c) : c;
    }

    private Info OfSet(CharSet set)
    {
        if (this.folded)
        {
            var folded = new HashSet<string>(StringComparer.Ordinal);
            var count = 0;
            set.ForEachExact(c =>
            {
                count++;
                folded.Add(FoldChar(c));
            });

            if (set.OtherWord)
            {
                // Unknown non-ASCII word characters fold to the marker, so the set still folds to few strings.
                folded.Add(LookAlikeFold.NonAsciiWordMarker);
            }

            if (set.OtherNonWord)
            {
                // Unknown non-word characters fold to nothing, except surrogates, which fold to the marker.
                folded.Add("");
                folded.Add(LookAlikeFold.NonAsciiWordMarker);
            }

            return count <= MaxClassMembers && folded.Count <= MaxFoldedAlternatives ? Info.OfExact(Normalize(folded)) : Info.Unknown();
        }

        var members = set.Members(8);
        if (members is null)
        {
            return Info.Unknown();
        }

        var strings = new HashSet<string>(StringComparer.Ordinal);
        foreach (var c in members)
        {
            strings.Add((c < 128 ? char.ToLowerInvariant(c) : c).ToString());
        }

        return Info.OfExact(strings);
    }

    private static string FoldChar(char c) => LookAlikeFold.Map(c) switch
    {
        LookAlikeFold.Deleted => "",
        var folded => folded.ToString(),
    };

    private Info Concat(Info a, Info b)
    {
        var concat = ConcatKnown(a, b);
        if (!this.folded)
        {
            concat.Also = [.. a.Requirements(), .. b.Requirements()];
        }

        return concat;
    }

    private Info ConcatKnown(Info a, Info b)
    {
        if (this.folded && a.Exact is { Count: > 0 } && a.Exact.All(s => s.Length == 1 && LookAlikeFold.IsMarker(s[0])))
        {
            // Whatever follows, the string still holds the marker and shrinks to it: look-alike character references
            // (&#1089;) stay exact however many digit strings follow the '&'.
            return new Info { Exact = a.Exact, Prefix = a.Exact, Suffix = a.Exact, Required = BetterOf(a.Required, b.Required) };
        }

        var result = new Info();
        if (a.Exact is not null && b.Exact is not null)
        {
            var exact = Cross(a.Exact, b.Exact);
            if (exact is not null)
            {
                result.Exact = exact;
                result.Prefix = exact;
                result.Suffix = exact;
                result.Required = BetterOf(a.Required, b.Required);
                return result;
            }

            result.Prefix = a.Exact;
            result.Suffix = b.Exact;
            result.Required = BetterOf(BetterOf(a.Required, b.Required), BetterOf(Usable(a.Exact), Usable(b.Exact)));
            return result;
        }

        result.Prefix = a.Exact is not null ? Cross(a.Exact, b.Prefix) ?? a.Exact : a.Prefix;
        result.Suffix = b.Exact is not null ? Cross(a.Suffix, b.Exact) ?? b.Exact : b.Suffix;
        var junction = Cross(a.Exact ?? a.Suffix, b.Exact ?? b.Prefix);
        var required = BetterOf(a.Required, b.Required);
        required = BetterOf(required, Usable(junction));
        required = BetterOf(required, Usable(a.Exact ?? a.Suffix));
        required = BetterOf(required, Usable(b.Exact ?? b.Prefix));
        result.Required = required;
        return result;
    }

    private Info Alternate(List<Info> branches)
    {
        if (branches.All(branch => branch.Exact is not null))
        {
            var union = new HashSet<string>(StringComparer.Ordinal);
            foreach (var branch in branches)
            {
                union.UnionWith(branch.Exact!);
            }

            if (union.Count <= MaxSetSize)
            {
                return Info.OfExact(Normalize(union));
            }
        }

        var prefix = new HashSet<string>(StringComparer.Ordinal);
        var suffix = new HashSet<string>(StringComparer.Ordinal);
        HashSet<string>? required = new(StringComparer.Ordinal);
        foreach (var branch in branches)
        {
            prefix.UnionWith(branch.Exact ?? branch.Prefix);
            suffix.UnionWith(branch.Exact ?? branch.Suffix);
            var best = Best(branch);
            if (required is not null && best is not null && Score(best) > 0)
            {
                required.UnionWith(best);
            }
            else
            {
                required = null;
            }
        }

        return new Info
        {
            Prefix = prefix.Count <= MaxSetSize ? Normalize(prefix) : Nothing,
            Suffix = suffix.Count <= MaxSetSize ? Normalize(suffix) : Nothing,
            Required = required is null ? null : Shortened(Normalize(required)),
        };
    }

    // Too many strings: cut each to its first characters, longest cut that fits first. A text holding a string holds
    // its start, so the set stays a requirement; branches spelled alike ("your personal", "your private") merge.
    private HashSet<string>? Shortened(HashSet<string> strings)
    {
        if (strings.Count <= MaxSetSize)
        {
            return strings;
        }

        var longest = strings.Max(s => s.Length);
        for (var length = Math.Min(longest - 1, 16); length >= MinUsefulLength; length--)
        {
            var cut = new HashSet<string>(StringComparer.Ordinal);
            foreach (var s in strings)
            {
                cut.Add(s.Length > length ? s[..length] : s);
                if (cut.Count > MaxSetSize)
                {
                    break;
                }
            }

            if (cut.Count <= MaxSetSize)
            {
                return Normalize(cut);
            }
        }

        return null;
    }

    private Info Loop(Info body, int min, int max)
    {
        if (this.folded && body.Exact is not null && RepeatsToItself(body.Exact))
        {
            // Any run of these strings folds back to one of them: one letter collapses, a marker shrinks the run to it.
            return Info.OfExact(min == 0 ? Normalize([.. body.Exact, ""]) : body.Exact);
        }

        if (min == 0)
        {
            if (max is > 0 and <= MaxExpandedRepeat && body.Exact is not null)
            {
                var optional = Repeat(body.Exact, 0, max);
                if (optional is not null)
                {
                    return Info.OfExact(optional);
                }
            }

            return max == 0 ? Info.OfExact(Nothing) : Info.Unknown();
        }

        if (body.Exact is not null)
        {
            if (max != RegexNode.Unbounded && max <= Math.Max(min, MaxExpandedRepeat))
            {
                var repeated = Repeat(body.Exact, min, max);
                if (repeated is not null)
                {
                    return Info.OfExact(repeated);
                }
            }
        }

        var first = body.Exact ?? body.Prefix;
        var last = body.Exact ?? body.Suffix;
        var required = BetterOf(body.Required, Usable(body.Exact));
        if (min >= 2)
        {
            required = BetterOf(required, Usable(Cross(last, first)));
        }

        return new Info { Prefix = first, Suffix = last, Required = required, Also = [.. body.Requirements()] };
    }

    // Folded strings of at most one character, at most one of them a letter (the others markers or nothing), as a
    // look-alike class such as <M>+ without its multi-letter spellings gives.
    private static bool RepeatsToItself(HashSet<string> exact)
    {
        var letters = 0;
        foreach (var s in exact)
        {
            if (s.Length > 1)
            {
                return false;
            }

            if (s.Length == 1 && !LookAlikeFold.IsMarker(s[0]))
            {
                letters++;
            }
        }

        return letters <= 1;
    }

    private HashSet<string>? Repeat(HashSet<string> exact, int min, int max)
    {
        // Each step concatenates the strings so far: past a useful literal length the expansion would cost the
        // square of the count (a{100000}) for a literal no prefilter needs; the caller falls back to the edges.
        if ((long)max * exact.Max(s => s.Length) > MaxRepeatedLiteralLength)
        {
            return null;
        }

        var result = new HashSet<string>(StringComparer.Ordinal);
        HashSet<string>? power = Nothing;
        for (var count = 0; count <= max; count++)
        {
            if (count >= min)
            {
                result.UnionWith(power);
            }

            if (count < max)
            {
                power = Cross(power, exact);
                if (power is null)
                {
                    return null;
                }
            }
        }

        return result.Count <= MaxSetSize ? result : null;
    }

    private HashSet<string>? Cross(HashSet<string> left, HashSet<string> right)
    {
        if ((long)left.Count * right.Count > MaxSetSize * 4)
        {
            return null;
        }

        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var l in left)
        {
            foreach (var r in right)
            {
                result.Add(l + r);
            }
        }

        result = Normalize(result);
        return result.Count <= MaxSetSize ? result : null;
    }

    // Folded strings collapse runs and shrink to the marker when they hold it.
    private HashSet<string> Normalize(HashSet<string> strings)
    {
        if (!this.folded)
        {
            return strings;
        }

        var result = new HashSet<string>(StringComparer.Ordinal);
        foreach (var s in strings)
        {
            var marker = s.IndexOf(LookAlikeFold.NonAsciiWord);
            result.Add(marker >= 0 ? s[marker].ToString() : LookAlikeFold.Collapse(s));
        }

        return result;
    }

    private HashSet<string>? Best(Info info)
    {
        var best = BetterOf(Usable(info.Exact), Usable(info.Required));
        best = BetterOf(best, Usable(info.Prefix));
        return BetterOf(best, Usable(info.Suffix));
    }

    private HashSet<string>? Usable(HashSet<string>? set) => set is not null && Score(set) > 0 ? set : null;

    private HashSet<string>? BetterOf(HashSet<string>? a, HashSet<string>? b) =>
        a is null ? b : b is null ? a : Score(b) > Score(a) ? b : a;

    // Longer shortest literal first (spacing not counted), then fewer literals. Markers do not count.
    private int Score(HashSet<string> set)
    {
        if (set.Count == 0 || set.Count > MaxSetSize)
        {
            return -1;
        }

        var shortest = int.MaxValue;
        foreach (var s in set)
        {
            if (this.folded && s.Length == 1 && LookAlikeFold.IsMarker(s[0]))
            {
                continue;
            }

            // Spacing counts for nothing: " of" finds as much as "of".
            var weight = 0;
            foreach (var c in s)
            {
                weight += char.IsWhiteSpace(c) ? 0 : 1;
            }

            shortest = Math.Min(shortest, weight);
        }

        return shortest is 0 or int.MaxValue ? -1 : Math.Min(shortest, 100) * 1000 - set.Count;
    }

    private sealed class Info
    {
        /// <summary>All strings the node can match, when few; null when unknown.</summary>
        public HashSet<string>? Exact { get; set; }

        /// <summary>Every match starts with one of these ({""} = nothing known).</summary>
        public HashSet<string> Prefix { get; set; } = Nothing;

        /// <summary>Every match ends with one of these ({""} = nothing known).</summary>
        public HashSet<string> Suffix { get; set; } = Nothing;

        /// <summary>Every match (or the text around it, for lookarounds) holds one of these; null = none known.</summary>
        public HashSet<string>? Required { get; set; }

        /// <summary>Further requirements that hold together with <see cref="Required"/> (of mandatory parts).</summary>
        public List<HashSet<string>> Also { get; set; } = [];

        /// <summary>Every requirement known to hold for each match: all of them do at once.</summary>
        public IEnumerable<HashSet<string>> Requirements()
        {
            if (Required is not null)
            {
                yield return Required;
            }

            if (Exact is not null)
            {
                yield return Exact;
            }

            foreach (var set in Also)
            {
                yield return set;
            }
        }

        public static Info OfExact(HashSet<string> exact) => new() { Exact = exact, Prefix = exact, Suffix = exact };

        public static Info Unknown() => new();
    }
}
