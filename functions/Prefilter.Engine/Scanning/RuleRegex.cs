using System.Buffers;
using System.Text.RegularExpressions;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// The engines for one distinct pattern of a compiled set, built on first use (building the linear engine's
/// automaton costs milliseconds per pattern, so a cold instance pays only for the rules its first mails wake); the
/// linear ones are held by the set's <see cref="LinearEngineCache"/>, within its budget.
/// Thread-safe: a race builds an engine twice and keeps one.
/// </summary>
/// <param name="plan">How the pattern runs.</param>
/// <param name="engines">Holds the linear engines.</param>
/// <param name="builds">Times each engine's build, which scans leave out of their deadline.</param>
/// <param name="backtrackingTimeout">The match timeout of the backtracking engine.</param>
/// <param name="pieceChars">The longest input the backtracking engine reads in one piece.</param>
/// <param name="overlapChars">How much consecutive pieces overlap.</param>
/// <param name="mode">Which engine runs a linear pattern that is linear on both.</param>
internal sealed class RuleRegex(RegexPlan plan, LinearEngineCache engines, EngineBuildTimer builds, TimeSpan backtrackingTimeout, int pieceChars, int overlapChars, ScanEngineMode mode)
{
    // The backtracking engine runs compiled to IL: a few milliseconds per pattern on first use, for scans about 9%
    // faster with the SpamAssassin set (measured in one process, interpreted against compiled).
    private const RegexOptions Backtracking = RegexAnalyzer.BaseOptions | RegexOptions.Compiled;

    // Unit-edge anchors and options that switch multiline off would change meaning on joined units.
    private static readonly Regex UnitAnchors = new(@"\\[AzZG]|\(\?[imnsx]*-[imnsx]*m", RegexOptions.CultureInvariant);

    // Free-spacing mode lets a '#' comment run to the end of the pattern, past whatever follows it in an alternation.
    private static readonly Regex FreeSpacing = new(@"\(\?[imnsx-]*x[imnsx-]*[:)]", RegexOptions.CultureInvariant);

    // Interpreted: a bounded pattern is built in microseconds, where compiling it to IL would cost a cold instance
    // milliseconds per pattern. No timeout: its work per character is bounded (RegexPlan.BacktrackingWork).
    private const RegexOptions Bounded = RegexAnalyzer.BaseOptions;

    private readonly LinearEngineSlot? linear = plan.LinearPattern is { } linear ? new(linear) : null;
    private readonly LinearEngineSlot? joined = FilterOf(plan) is { } filter ? new(filter, RegexOptions.Multiline) : null;
    private readonly LinearEngineSlot? screen = plan.ScreenPattern is { } screen ? new(screen) : null;
    // The filter pattern is the linear pattern whenever the plan has a bound: screens belong to backtracking plans.
    private readonly bool runsBounded = mode == ScanEngineMode.Hybrid && plan.BacktrackingWork is not null;
    private Regex? bounded;
    private Regex? boundedJoined;
    private Regex? startCheck;
    private Regex? backtracking;
    private volatile bool linearRefused;
    private SearchValues<string>[]? confirm;

    public RegexPlan Plan { get; } = plan;

    /// <summary>
    /// A linear pattern that matches wherever the rule's pattern does: the pattern itself, its edge rewrite, the core
    /// without leading lookarounds, or the screen of a backtracking pattern; null for a backtracking pattern without a
    /// screen.
    /// </summary>
    public string? FilterPattern { get; } = FilterOf(plan);

    /// <summary>Whether <see cref="FilterPattern"/> can be one branch of an alternation of several patterns.</summary>
    public bool CanBeGrouped { get; } = FilterOf(plan) is { } filter && !FreeSpacing.IsMatch(filter);

    /// <summary>
    /// Whether <see cref="NextJoinedMatch"/> may stand in for running on each unit: a filter pattern without
    /// unit-edge anchors matches in some unit only if, in multiline mode, it matches the units joined by newlines.
    /// </summary>
    public bool CanRunJoined { get; } = FilterOf(plan) is { } filter && !UnitAnchors.IsMatch(filter);

    /// <summary>
    /// Whether a match of <see cref="FilterPattern"/> that lies inside one unit is a match of the rule's pattern in
    /// that unit: true for linear patterns; a screen pattern only over-approximates.
    /// </summary>
    public bool JoinedMatchIsMatch => Plan.Class == RuleExecutionClass.Linear && Plan.ScreenPattern is null;

    /// <summary>
    /// The leftmost match at or after <paramref name="from"/> in units joined by <c>'\n'</c> (multiline), or index -1.
    /// No unit before the one holding it can match; see <see cref="JoinedMatchIsMatch"/> for what it proves.
    /// </summary>
    public (int Index, int Length) NextJoinedMatch(ReadOnlySpan<char> joined, int from)
    {
        var regex = this.runsBounded
            ? this.boundedJoined ??= builds.Build(() => new Regex(FilterPattern!, Bounded | RegexOptions.Multiline))
            : engines.Get(this.joined!);
        foreach (var match in regex.EnumerateMatches(joined, from))
        {
            return (match.Index, match.Length);
        }

        return (-1, 0);
    }

    /// <summary>
    /// Whether <paramref name="unit"/> holds a literal of each of the plan's <see cref="RegexPlan.ConfirmLiterals"/>
    /// (true when it has none): when false, the pattern cannot match there.
    /// </summary>
    public bool MayMatch(ReadOnlySpan<char> unit)
    {
        if (Plan.ConfirmLiterals.Count == 0)
        {
            return true;
        }

        foreach (var set in this.confirm ??= builds.Build(() => Plan.ConfirmLiterals.Select(set => SearchValues.Create([.. set], StringComparison.OrdinalIgnoreCase)).ToArray()))
        {
            if (unit.IndexOfAny(set) < 0)
            {
                return false;
            }
        }

        return true;
    }

    private static string? FilterOf(RegexPlan plan) => plan.ScreenPattern ?? plan.LinearPattern;

    /// <summary>Whether the pattern matches somewhere in <paramref name="input"/>.</summary>
    /// <exception cref="RegexMatchTimeoutException">A backtracking run exceeded its timeout.</exception>
    /// <exception cref="InvalidOperationException">The pattern could not be built for a safe engine.</exception>
    public bool IsMatch(ReadOnlySpan<char> input)
    {
        if (Plan.Class is RuleExecutionClass.Linear or RuleExecutionClass.LinearWithEdgeCheck && !this.linearRefused)
        {
            var linear = LinearEngine();
            if (linear is not null)
            {
                return Plan.StartCheckPattern is null ? linear.IsMatch(input) : MatchWithStartCheck(linear, input);
            }
        }

        return Plan.Class == RuleExecutionClass.Refused
            ? throw new InvalidOperationException($"The pattern was refused: {Plan.RefusalReason}")
            : MatchBacktracking(input);
    }

    private Regex? LinearEngine()
    {
        if (this.runsBounded)
        {
            return this.bounded ??= builds.Build(() => new Regex(Plan.LinearPattern!, Bounded));
        }

        try
        {
            return engines.Get(this.linear!);
        }
        catch (NotSupportedException)
        {
            // The analyzer's size estimate let through an automaton the engine refuses; fall back only when the
            // pattern has no exploding shape for the backtracking engine.
            this.linearRefused = true;
            var root = RegexSyntax.Parse(Plan.Pattern);
            if (ExplosionCheck.FindExplodingShape(root, Plan.Pattern) is { } shape)
            {
                throw new InvalidOperationException($"The linear engine refused the pattern and it is unsafe to backtrack: {shape}");
            }

            return null;
        }
    }

    // Leading lookarounds: every start the linear core reports is checked; the core is bounded in width, so the
    // rescans after a failed check stay linear.
    private bool MatchWithStartCheck(Regex core, ReadOnlySpan<char> input)
    {
        var check = this.startCheck ??= BuildBacktracking(Plan.StartCheckPattern!);
        var from = 0;
        while (from <= input.Length)
        {
            var matches = core.EnumerateMatches(input, from);
            if (!matches.MoveNext())
            {
                return false;
            }

            var start = matches.Current.Index;
            if (check.IsMatch(input, start))
            {
                return true;
            }

            from = start + 1;
        }

        return false;
    }

    // A compiled regex is turned into machine code on its first match: one match of the empty string finishes the
    // build, so that cost too stays out of the scan's deadline.
    private Regex BuildBacktracking(string pattern) => builds.Build(() =>
    {
        var regex = new Regex(pattern, Backtracking, backtrackingTimeout);
        regex.IsMatch(string.Empty);
        return regex;
    });

    private bool MatchBacktracking(ReadOnlySpan<char> input)
    {
        if (this.screen is not null && !engines.Get(this.screen).IsMatch(input))
        {
            return false;
        }

        var regex = this.backtracking ??= BuildBacktracking(Plan.Pattern);
        if (input.Length <= pieceChars)
        {
            return regex.IsMatch(input);
        }

        for (var start = 0; ; start += pieceChars - overlapChars)
        {
            var length = Math.Min(pieceChars, input.Length - start);
            if (regex.IsMatch(input.Slice(start, length)))
            {
                return true;
            }

            if (start + length >= input.Length)
            {
                return false;
            }
        }
    }
}
