namespace Prefilter.Engine.Regexes;

/// <summary>
/// What <see cref="RegexAnalyzer.Analyze"/> decided about one pattern: how it runs and which literals must occur
/// in any text it matches. Immutable.
/// </summary>
public sealed class RegexPlan
{
    internal RegexPlan(string pattern, RuleExecutionClass executionClass)
    {
        Pattern = pattern;
        Class = executionClass;
    }

    /// <summary>The pattern as written in the rule.</summary>
    public string Pattern { get; }

    /// <summary>How the pattern runs.</summary>
    public RuleExecutionClass Class { get; }

    /// <summary>For <see cref="RuleExecutionClass.Refused"/>: the shape that cannot be made safe and where, in plain words.</summary>
    public string? RefusalReason { get; internal init; }

    /// <summary>For a refused pattern that is not valid .NET regex syntax: the offset the runtime's parser reported.</summary>
    public int? SyntaxErrorOffset { get; internal init; }

    /// <summary>
    /// Literals, lowercase, at least one of which occurs (compared with <see cref="StringComparison.OrdinalIgnoreCase"/>)
    /// in any text the pattern matches; empty when the pattern has no useful literal and must run on every text.
    /// When <see cref="LiteralsAreLookAlikeFolded"/> is set they hold for the look-alike-folded text instead.
    /// </summary>
    public IReadOnlyList<string> RequiredLiterals { get; internal init; } = [];

    /// <summary>
    /// True when <see cref="RequiredLiterals"/> come from the look-alike fold (obfuscation rules such as
    /// SpamAssassin's ReplaceTags "fuzzy" rules): digits and symbols that stand for letters fold to those letters,
    /// punctuation and spacing fold away, and runs collapse, before the search.
    /// </summary>
    public bool LiteralsAreLookAlikeFolded { get; internal init; }

    /// <summary>The pattern the linear engine runs: the pattern itself, or its edge rewrite.</summary>
    internal string? LinearPattern { get; init; }

    /// <summary>
    /// For a <see cref="LinearPattern"/> of bounded width whose backtracking work per start position is at most
    /// <see cref="RegexAnalyzer.MaxBacktrackingWork"/> steps (<see cref="RegexShapes.BacktrackingWork"/>): that bound.
    /// Such a pattern is linear on the backtracking engine too, which builds it in microseconds and holds it in about a
    /// kilobyte where the linear engine's automaton takes hundreds; null when the linear engine must run it.
    /// </summary>
    internal long? BacktrackingWork { get; init; }

    /// <summary>For edge checks: a backtracking pattern anchored with <c>\G</c>, true at a start that passes the leading lookarounds.</summary>
    internal string? StartCheckPattern { get; init; }

    /// <summary>
    /// For <see cref="RuleExecutionClass.CheckedBacktracking"/>: a linear pattern that matches wherever the pattern
    /// does (lookarounds dropped, backreferences widened to any text, atomic groups made plain), run first so the
    /// backtracking engine only sees text that can match; null when none could be built.
    /// </summary>
    internal string? ScreenPattern { get; init; }

    /// <summary>
    /// Further literal sets (plain, compared with <see cref="StringComparison.OrdinalIgnoreCase"/>) of which any
    /// text the pattern matches holds one each, besides <see cref="RequiredLiterals"/>: a unit that lacks one cannot
    /// match.
    /// </summary>
    internal IReadOnlyList<IReadOnlyList<string>> ConfirmLiterals { get; init; } = [];

    /// <summary>For folded literals: markers (<see cref="LookAlikeFold.MarkerBit"/>) whose characters also wake the pattern.</summary>
    internal byte MarkerWakes { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Class}: {Pattern}";
}
