using System.Text;

namespace Prefilter.Engine.Regexes;

/// <summary>
/// Rewrites a pattern whose only lookarounds sit at its edges into a pattern the linear engine accepts, keeping
/// the question a rule asks ("is there a match anywhere?") exactly:
/// a leading <c>(?&lt;=X)</c> or trailing <c>(?=Y)</c> becomes plain <c>X</c> / <c>Y</c> around the match;
/// a leading <c>(?&lt;!…)</c> or trailing <c>(?!…)</c> over a short run of single characters becomes the
/// alternatives "at the text edge, or a character outside the class", built back from the run;
/// other leading lookarounds stay as a check run at each start position the linear core reports.
/// </summary>
internal static class EdgeRewriter
{
    private const int MaxRunLength = 8;

    /// <summary>Longest core for which start checks are allowed: each candidate start rescans at most this much.</summary>
    public const int MaxCheckedCoreWidth = 1024;

    public sealed record Rewrite(string LinearPattern, string? StartCheckPattern, RegexNode? StartCheckTree);

    /// <summary>The rewrite, or null when the lookarounds are not all at the edges or cannot be rewritten.</summary>
    public static Rewrite? TryRewrite(RegexNode root, string pattern)
    {
        var items = root.Kind == RegexNodeKind.Concat ? root.Children : [root];
        var lead = 0;
        while (lead < items.Count && items[lead].Kind is RegexNodeKind.Lookaround or RegexNodeKind.Anchor && HasLookaroundPrefix(items, lead))
        {
            lead++;
        }

        var trail = items.Count;
        while (trail > lead && items[trail - 1].Kind == RegexNodeKind.Lookaround)
        {
            trail--;
        }

        var core = items.Skip(lead).Take(trail - lead).ToList();
        if (core.Count == 0 || core.Any(NeedsBacktracking))
        {
            return null;
        }

        for (var i = 1; i < items.Count; i++)
        {
            if (items[i - 1].End != items[i].Start)
            {
                // Inline options or comments between items would be lost when the items are moved around.
                return null;
            }
        }

        var leading = items.Take(lead).Where(item => item.Kind == RegexNodeKind.Lookaround).ToList();
        var trailing = items.Skip(trail).ToList();
        if (leading.Any(l => NeedsBacktracking(l.Child)) || trailing.Any(t => NeedsBacktracking(t.Child)))
        {
            return null;
        }

        var coreStart = core[0].Start;
        var coreEnd = core[^1].End;
        var text = new StringBuilder();
        text.Append(pattern, 0, items[0].Start);

        string? checkPattern = null;
        RegexNode? checkTree = null;
        if (leading.Count == 1 && items.Take(lead).All(item => item.Kind == RegexNodeKind.Lookaround) && LeadingAsPrefix(leading[0], pattern) is { } prefix)
        {
            text.Append(prefix);
        }
        else if (leading.Count > 0)
        {
            // The check reads everything before the core, anchors included, at each start the core reports.
            if (RegexShapes.MaxWidth(new CoreView(core).Node) is not { } width || width > MaxCheckedCoreWidth)
            {
                return null;
            }

            checkPattern = pattern[..items[0].Start] + @"\G" + pattern[items[0].Start..coreStart];
            checkTree = items[0];
        }
        else
        {
            text.Append(pattern, items[0].Start, coreStart - items[0].Start);
        }

        text.Append(pattern, coreStart, coreEnd - coreStart);
        foreach (var lookaround in trailing)
        {
            if (TrailingAsSuffix(lookaround, pattern) is not { } suffix)
            {
                return null;
            }

            text.Append(suffix);
        }

        text.Append(pattern, items[^1].End, pattern.Length - items[^1].End);
        return new Rewrite(text.ToString(), checkPattern, checkTree);
    }

    private static bool HasLookaroundPrefix(List<RegexNode> items, int index)
    {
        // Anchors before the core count as leading only when a lookaround follows them.
        for (var i = index; i < items.Count; i++)
        {
            if (items[i].Kind == RegexNodeKind.Lookaround)
            {
                return true;
            }

            if (items[i].Kind != RegexNodeKind.Anchor)
            {
                return false;
            }
        }

        return false;
    }

    public static bool NeedsBacktracking(RegexNode node) =>
        RegexShapes.Descendants(node).Any(n => n.Kind is RegexNodeKind.Lookaround or RegexNodeKind.Backreference
            or RegexNodeKind.Atomic or RegexNodeKind.Conditional);

    private static string? LeadingAsPrefix(RegexNode lookaround, string pattern)
    {
        if (!lookaround.Behind)
        {
            return null;
        }

        var body = pattern[lookaround.Child.Start..lookaround.Child.End];
        if (!lookaround.Negated)
        {
            return "(?:" + body + ")";
        }

        return SingleCharRun(lookaround.Child, pattern) is { } run ? NotBefore(run, run.Count, pattern) : null;
    }

    private static string? TrailingAsSuffix(RegexNode lookaround, string pattern)
    {
        if (lookaround.Behind)
        {
            return null;
        }

        if (!lookaround.Negated)
        {
            return "(?:" + pattern[lookaround.Child.Start..lookaround.Child.End] + ")";
        }

        return SingleCharRun(lookaround.Child, pattern) is { } run ? NotAfter(run, 0, pattern) : null;
    }

    // (?<!c1..ck) at position p, written as what the text before p may be.
    private static string NotBefore(List<RegexNode> run, int count, string pattern)
    {
        var last = run[count - 1];
        var text = @"(?:\A|" + Negate(last, pattern);
        if (count > 1)
        {
            text += "|" + NotBefore(run, count - 1, pattern) + Source(last, pattern);
        }

        return text + ")";
    }

    // (?!c1..ck) at position p, written as what the text after p may be.
    private static string NotAfter(List<RegexNode> run, int index, string pattern)
    {
        var item = run[index];
        var text = @"(?:\z|" + Negate(item, pattern);
        if (index + 1 < run.Count)
        {
            text += "|" + Source(item, pattern) + NotAfter(run, index + 1, pattern);
        }

        return text + ")";
    }

    private static List<RegexNode>? SingleCharRun(RegexNode body, string pattern)
    {
        var items = body.Kind == RegexNodeKind.Concat ? body.Children : [body];
        if (items.Count == 0 || items.Count > MaxRunLength)
        {
            return null;
        }

        foreach (var item in items)
        {
            if (item.Kind != RegexNodeKind.Set || Negate(item, pattern) is null)
            {
                return null;
            }
        }

        return items;
    }

    private static string Source(RegexNode node, string pattern) => "(?:" + pattern[node.Start..node.End] + ")";

    // The class of characters the single-character node does not match, or null when that cannot be written simply.
    private static string? Negate(RegexNode node, string pattern)
    {
        var source = pattern[node.Start..node.End];
        if (source == ".")
        {
            // Without singleline the dot misses only \n; with it, nothing is outside (handled by the edge alternative).
            return node.Set!.Contains('\n') ? @"[^\s\S]" : @"\n";
        }

        if (source.Length == 2 && source[0] == '\\' && "wWdDsS".Contains(source[1]))
        {
            return "\\" + (char.IsUpper(source[1]) ? char.ToLowerInvariant(source[1]) : char.ToUpperInvariant(source[1]));
        }

        if (source.StartsWith("\\p{", StringComparison.Ordinal) || source.StartsWith("\\P{", StringComparison.Ordinal))
        {
            return "\\" + (source[1] == 'p' ? 'P' : 'p') + source[2..];
        }

        if (source.StartsWith('['))
        {
            if (source.Contains("-[", StringComparison.Ordinal))
            {
                return null;
            }

            return source.StartsWith("[^", StringComparison.Ordinal) ? "[" + source[2..] : "[^" + source[1..];
        }

        // A literal character or a single-character escape such as \. or \x41.
        return source.Length == 1 && source[0] is '^' or '\\' or ']' or '[' or '-' ? "[^\\" + source + "]" : "[^" + source + "]";
    }

    private sealed class CoreView
    {
        public CoreView(List<RegexNode> items)
        {
            Node = new RegexNode(RegexNodeKind.Concat, items[0].Start) { End = items[^1].End };
            Node.Children.AddRange(items);
        }

        public RegexNode Node { get; }
    }
}
