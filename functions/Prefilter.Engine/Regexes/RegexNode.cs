namespace Prefilter.Engine.Regexes;

/// <summary>What a <see cref="RegexNode"/> is.</summary>
internal enum RegexNodeKind
{
    /// <summary>Matches the empty string (an empty branch or group).</summary>
    Empty,

    /// <summary>One character from <see cref="RegexNode.Set"/>: a literal, an escape, a class or the dot.</summary>
    Set,

    /// <summary>Children one after another.</summary>
    Concat,

    /// <summary>One of the children.</summary>
    Alternate,

    /// <summary>The only child repeated <see cref="RegexNode.Min"/> to <see cref="RegexNode.Max"/> times.</summary>
    Loop,

    /// <summary>A capturing or non-capturing group around its only child.</summary>
    Group,

    /// <summary>A zero-width assertion about the text around the position (<c>(?=</c>, <c>(?!</c>, <c>(?&lt;=</c>, <c>(?&lt;!</c>).</summary>
    Lookaround,

    /// <summary><c>(?&gt;…)</c>: an atomic group.</summary>
    Atomic,

    /// <summary><c>\1</c>, <c>\k&lt;name&gt;</c>.</summary>
    Backreference,

    /// <summary><c>^ $ \A \z \Z \b \B \G</c>.</summary>
    Anchor,

    /// <summary><c>(?(…)yes|no)</c>.</summary>
    Conditional,
}

/// <summary>A node of the syntax tree that <see cref="RegexSyntax"/> builds for the static checks.</summary>
internal sealed class RegexNode(RegexNodeKind kind, int start)
{
    public const int Unbounded = -1;

    public RegexNodeKind Kind { get; } = kind;

    /// <summary>Offset of the node's first character in the pattern.</summary>
    public int Start { get; } = start;

    /// <summary>Offset just past the node's last character in the pattern.</summary>
    public int End { get; set; }

    public List<RegexNode> Children { get; } = [];

    /// <summary>For <see cref="RegexNodeKind.Set"/>.</summary>
    public CharSet? Set { get; init; }

    /// <summary>For <see cref="RegexNodeKind.Loop"/>.</summary>
    public int Min { get; init; }

    /// <summary>For <see cref="RegexNodeKind.Loop"/>: <see cref="Unbounded"/> or the upper bound.</summary>
    public int Max { get; init; }

    /// <summary>For <see cref="RegexNodeKind.Lookaround"/>: looks behind rather than ahead.</summary>
    public bool Behind { get; init; }

    /// <summary>For <see cref="RegexNodeKind.Lookaround"/>: a negative assertion.</summary>
    public bool Negated { get; init; }

    /// <summary>For <see cref="RegexNodeKind.Anchor"/>: one of <c>^ $ A z Z b B G</c>.</summary>
    public char Anchor { get; init; }

    public RegexNode Child => Children[0];

    public override string ToString() => $"{Kind}@{Start}";
}
