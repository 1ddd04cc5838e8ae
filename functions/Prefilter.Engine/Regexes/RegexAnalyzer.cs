using System.Globalization;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.Regexes;

/// <summary>
/// Decides how a rule's regex can run without any input making it slow, and which literals a prefilter can
/// search for. Cheap (an automaton is built only to ask the linear engine about the few largest patterns): safe to
/// call for every rule of a large set at publish time.
/// </summary>
public static class RegexAnalyzer
{
    /// <summary>Above this estimated automaton size the linear engine is not even asked (see <see cref="AutomatonLimitSwitch"/>).</summary>
    private const long MaxAutomatonSize = 1_000_000;

    private const int MaxMemoEntries = 50_000;

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, RegexPlan> Memo = new(StringComparer.Ordinal);

    private const int MaxSpareEngines = 1_000;

    // Engines built to ask the linear engine, lent to the scanner that builds the same pattern next; see
    // LinearEngineAccepts.
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, (WeakReference<Regex> Engine, long Bytes)> SpareEngines = new(StringComparer.Ordinal);

    /// <summary>
    /// The linear engine refuses automata above 10,000 nodes by default; SpamAssassin's look-alike rules need up to
    /// about 50,000. Raised once per process (unless the host set it) before any linear engine is built, so analysis
    /// and scanning agree; the engine builds its automaton lazily, so the limit bounds memory, not time per character.
    /// </summary>
    private const string AutomatonLimitSwitch = "REGEX_NONBACKTRACKING_MAX_AUTOMATA_SIZE";

    static RegexAnalyzer()
    {
        if (AppContext.GetData(AutomatonLimitSwitch) is null)
        {
            AppContext.SetData(AutomatonLimitSwitch, 100_000);
        }
    }

    /// <summary>
    /// The longest pattern analysed, in characters: the work of analysis and compilation grows with it. SpamAssassin's
    /// longest (a ReplaceTags look-alike expansion) has 120,807.
    /// </summary>
    public const int MaxPatternLength = 256 * 1024;

    /// <summary>
    /// The most positions a pattern may expand to once its counted repetitions are unrolled
    /// (<c>(a{1000}){1000}</c> is a million), as the linear engine's automaton and the analysis would unroll them.
    /// Bounds the work of lint and compile by the pattern's size; SpamAssassin's largest expands to about 20,400.
    /// </summary>
    public const long MaxExpandedSize = 50_000;

    /// <summary>Below this estimate the linear engine is known to accept the automaton.</summary>
    private const long TrustedAutomatonSize = 2_000;

    /// <summary>The options every engine built from a plan uses; matching must not depend on the host's culture.</summary>
    /// <summary>
    /// The most backtracking work per start position (<see cref="RegexShapes.BacktrackingWork"/>) for which a linear
    /// pattern runs on the backtracking engine: at most this many steps per character of input, whatever the input.
    /// Low enough that a pattern at the bound, on the input worst for it, costs about what the linear engine does
    /// (a test holds the worst case); 441 of the imported SpamAssassin set's 1,090 patterns are within it.
    /// </summary>
    internal const long MaxBacktrackingWork = 128;

    internal const RegexOptions BaseOptions = RegexOptions.CultureInvariant;

    /// <summary>Analyzes a pattern written in .NET regex syntax (options inline, e.g. <c>(?i)</c>).</summary>
    /// <param name="pattern">The pattern.</param>
    /// <returns>The plan; a pattern that is not valid regex syntax is <see cref="RuleExecutionClass.Refused"/> with the offset.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="pattern"/> is null.</exception>
    /// <remarks>
    /// <list type="bullet">
    /// <item><see cref="RuleExecutionClass.Linear"/>: no lookaround, backreference, atomic group or conditional, and an
    /// automaton the linear engine accepts.</item>
    /// <item><see cref="RuleExecutionClass.LinearWithEdgeCheck"/>: lookarounds only before or after the rest, rewritten
    /// (see the remarks on the class).</item>
    /// <item><see cref="RuleExecutionClass.CheckedBacktracking"/>: anything else without an exploding shape.</item>
    /// <item><see cref="RuleExecutionClass.Refused"/>: an exploding shape that needs backtracking, or invalid syntax.</item>
    /// </list>
    /// </remarks>
    public static RegexPlan Analyze(string pattern)
    {
        ArgumentNullException.ThrowIfNull(pattern);

        // Lint and compile both analyze every pattern of a set; plans are immutable, so the second asks the memo.
        if (Memo.TryGetValue(pattern, out var known))
        {
            return known;
        }

        var plan = AnalyzeUncached(pattern);
        if (Memo.Count >= MaxMemoEntries)
        {
            Memo.Clear();
        }

        Memo.TryAdd(pattern, plan);
        return plan;
    }

    private static RegexPlan AnalyzeUncached(string pattern)
    {
        if (RefusedUnparsed(pattern) is { } refused)
        {
            return refused;
        }

        var root = RegexSyntax.Parse(pattern);
        var estimate = RegexShapes.AutomatonSize(root);
        if (estimate > MaxExpandedSize)
        {
            return Oversized(pattern, string.Create(CultureInfo.InvariantCulture, $"its counted repetitions expand it to {estimate:N0} positions; the limit is {MaxExpandedSize:N0}"));
        }

        var (literals, folded, nonAscii) = Literals(root);
        var confirm = ConfirmLiterals(root, literals, folded);
        var needsBacktracking = EdgeRewriter.NeedsBacktracking(root);
        if (!needsBacktracking && LinearEngineAccepts(pattern, estimate))
        {
            return new RegexPlan(pattern, RuleExecutionClass.Linear)
            {
                LinearPattern = pattern,
                BacktrackingWork = BoundedWork(root),
                RequiredLiterals = literals,
                LiteralsAreLookAlikeFolded = folded,
                MarkerWakes = nonAscii,
                ConfirmLiterals = confirm,
            };
        }

        if (needsBacktracking && EdgeRewriter.TryRewrite(root, pattern) is { } rewrite
            && LinearEngineAccepts(rewrite.LinearPattern, estimate)
            && (rewrite.StartCheckTree is null || ExplosionCheck.FindExplodingShape(rewrite.StartCheckTree, pattern) is null))
        {
            return new RegexPlan(pattern, RuleExecutionClass.LinearWithEdgeCheck)
            {
                LinearPattern = rewrite.LinearPattern,
                BacktrackingWork = BoundedWork(RegexSyntax.Parse(rewrite.LinearPattern)),
                StartCheckPattern = rewrite.StartCheckPattern,
                RequiredLiterals = literals,
                LiteralsAreLookAlikeFolded = folded,
                MarkerWakes = nonAscii,
                ConfirmLiterals = confirm,
            };
        }

        if (ExplosionCheck.FindExplodingShape(root, pattern) is { } shape)
        {
            var why = needsBacktracking
                ? "needs the backtracking engine (lookaround inside the pattern, backreference, atomic group or conditional) and has "
                : "is too large for the linear engine's automaton and has ";
            return new RegexPlan(pattern, RuleExecutionClass.Refused)
            {
                RefusalReason = "the pattern " + why + shape,
                RequiredLiterals = literals,
                LiteralsAreLookAlikeFolded = folded,
                MarkerWakes = nonAscii,
                ConfirmLiterals = confirm,
            };
        }

        return new RegexPlan(pattern, RuleExecutionClass.CheckedBacktracking)
        {
            ScreenPattern = Screen(root, pattern, estimate),
            RequiredLiterals = literals,
            LiteralsAreLookAlikeFolded = folded,
            MarkerWakes = nonAscii,
            ConfirmLiterals = confirm,
        };
    }

    // Refused before our own parse: too long to analyse, or not a regex at all.
    private static RegexPlan? RefusedUnparsed(string pattern)
    {
        if (pattern.Length > MaxPatternLength)
        {
            return Oversized(pattern, string.Create(CultureInfo.InvariantCulture, $"the pattern is {pattern.Length:N0} characters long; the limit is {MaxPatternLength:N0}"));
        }

        try
        {
            // The runtime's parser is the judge of syntax; construction without an engine choice is cheap.
            _ = new Regex(pattern, BaseOptions);
            return null;
        }
        catch (RegexParseException e)
        {
            return new RegexPlan(pattern, RuleExecutionClass.Refused)
            {
                RefusalReason = $"not a valid regex at offset {e.Offset}: {e.Error}",
                SyntaxErrorOffset = e.Offset,
            };
        }
    }

    private static long? BoundedWork(RegexNode root) =>
        RegexShapes.BacktrackingWork(root) is { } work && work <= MaxBacktrackingWork ? work : null;

    // A superset of the pattern for the linear engine: every text the pattern matches, the screen matches too.
    private static string? Screen(RegexNode root, string pattern, long estimate)
    {
        var replacements = new List<(int Start, int End, string Text)>();
        foreach (var node in RegexShapes.Descendants(root))
        {
            if (replacements.Count > 0 && node.Start < replacements[^1].End && node.End <= replacements[^1].End && replacements[^1].Text != "(?:")
            {
                continue; // inside a node already replaced as a whole
            }

            switch (node.Kind)
            {
                case RegexNodeKind.Lookaround:
                    replacements.Add((node.Start, node.End, "(?:)"));
                    break;
                case RegexNodeKind.Backreference:
                    replacements.Add((node.Start, node.End, @"[\s\S]*"));
                    break;
                case RegexNodeKind.Atomic:
                    replacements.Add((node.Start, node.Start + 3, "(?:"));
                    break;
                case RegexNodeKind.Conditional:
                    return null;
            }
        }

        replacements.Sort((a, b) => a.Start.CompareTo(b.Start));
        var text = new System.Text.StringBuilder();
        var at = 0;
        foreach (var (start, end, replacement) in replacements)
        {
            if (start < at)
            {
                continue;
            }

            text.Append(pattern, at, start - at).Append(replacement);
            at = end;
        }

        text.Append(pattern, at, pattern.Length - at);
        var screen = text.ToString();
        try
        {
            _ = new Regex(screen, BaseOptions);
        }
        catch (ArgumentException)
        {
            return null;
        }

        return LinearEngineAccepts(screen, estimate) ? screen : null;
    }

    // Small automata are accepted without asking; for larger ones the estimate is not trusted and the engine is asked
    // (it checks the size before it builds anything, so a refusal is quick). An accepted engine is not kept with the
    // plan: plans are memoized for the process, and a large engine held there (some hold 10 MB) would outlive every
    // set that used it. It is lent, weakly held, to the scanner that needs the pattern next, since compiling a set
    // lints it first: these few large engines take half the compile time of the SpamAssassin set, and the scanner
    // built each of them a second time on first use.
    private static RegexPlan Oversized(string pattern, string reason) =>
        new(pattern, RuleExecutionClass.Refused) { RefusalReason = $"{reason}, so compiling it would take unbounded work" };

    private static bool LinearEngineAccepts(string linearPattern, long estimate)
    {
        if (estimate <= TrustedAutomatonSize)
        {
            return true;
        }

        if (estimate > MaxAutomatonSize)
        {
            return false;
        }

        try
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            var engine = new Regex(linearPattern, BaseOptions | RegexOptions.NonBacktracking);
            if (SpareEngines.Count >= MaxSpareEngines)
            {
                SpareEngines.Clear();
            }

            SpareEngines[linearPattern] = (new WeakReference<Regex>(engine), GC.GetAllocatedBytesForCurrentThread() - before);
            return true;
        }
        catch (NotSupportedException)
        {
            return false;
        }
    }

    /// <summary>
    /// The linear engine (<see cref="BaseOptions"/> and <see cref="RegexOptions.NonBacktracking"/>) that analysis
    /// built for <paramref name="linearPattern"/>, with what its build allocated, if it is still alive and nobody took
    /// it yet; null otherwise.
    /// </summary>
    internal static (Regex Engine, long Bytes)? TakeSpareEngine(string linearPattern) =>
        SpareEngines.TryRemove(linearPattern, out var spare) && spare.Engine.TryGetTarget(out var engine) ? (engine, spare.Bytes) : null;

    // A woken regex runs on a unit only if its other mandatory parts' literals are there too: "w[io]n ... your?" wakes
    // on "you" in most paragraphs of most mails, and one vectorised search for "win"/"won" spares most runs. A few
    // sets, best first, so that the searches stay cheaper than the run they spare.
    private const int MaxConfirmSets = 3;

    private static IReadOnlyList<IReadOnlyList<string>> ConfirmLiterals(RegexNode root, IReadOnlyList<string> literals, bool folded)
    {
        if (literals.Count == 0)
        {
            return [];
        }

        return [.. LiteralExtractor.ExtractAll(root)
            .Where(set => folded || !set.SequenceEqual(literals))
            .Take(MaxConfirmSets)];
    }

    private static (IReadOnlyList<string> Literals, bool Folded, byte Markers) Literals(RegexNode root)
    {
        var plain = LiteralExtractor.Extract(root, folded: false);
        if (plain.Count > 0)
        {
            return (plain, false, 0);
        }

        var folded = LiteralExtractor.Extract(root, folded: true);
        if (folded.Count == 0)
        {
            return ([], false, 0);
        }

        byte markers = 0;
        foreach (var literal in folded)
        {
            if (literal.Length == 1 && LookAlikeFold.IsMarker(literal[0]))
            {
                markers |= LookAlikeFold.MarkerBit(literal[0]);
            }
        }

        return ([.. folded.Where(literal => !(literal.Length == 1 && LookAlikeFold.IsMarker(literal[0])))], true, markers);
    }
}
