using System.Text.RegularExpressions;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// Checks that read the same part and would otherwise each run on the same text (those without a useful literal, or
/// those a marker character wakes), tested together: one run of the alternation of their filter patterns
/// (<see cref="RuleRegex.FilterPattern"/>) over the part's joined units, or over one unit, tells whether any of them
/// can match at all. Most mails match none of a group, so one run replaces one per check.
/// Thread-safe: a race builds the engine twice and keeps one.
/// </summary>
internal sealed class CheckGroup
{
    private readonly LinearEngineSlot engine;
    private readonly LinearEngineCache engines;
    private volatile bool refused;

    /// <param name="checks">The checks, each with a regex whose <see cref="RuleRegex.CanBeGrouped"/> holds.</param>
    /// <param name="engines">Holds the group's engine.</param>
    /// <param name="joined">
    /// Whether the group runs over joined units (multiline; every member's <see cref="RuleRegex.CanRunJoined"/> holds)
    /// rather than over a single unit.
    /// </param>
    public CheckGroup(IReadOnlyList<ScanCheck> checks, LinearEngineCache engines, bool joined)
    {
        this.engines = engines;
        Checks = [.. checks.Select(check => check.Index)];
        Joined = joined;

        // Each member in its own group: inline options such as (?i) stay scoped to the member that set them.
        this.engine = new LinearEngineSlot(
            string.Join("|", checks.Select(check => $"(?:{check.Regex.FilterPattern})")),
            joined ? RegexOptions.ExplicitCapture | RegexOptions.Multiline : RegexOptions.ExplicitCapture);
    }

    /// <summary>Whether the group runs over joined units; see the constructor.</summary>
    public bool Joined { get; }

    /// <summary>The global indices of the member checks.</summary>
    public int[] Checks { get; }

    /// <summary>
    /// Where the leftmost match of any member's filter pattern starts in <paramref name="text"/> (no member matches
    /// before it), or -1 when none can match; 0 when the group's engine could not be built.
    /// </summary>
    public int FirstMatch(ReadOnlySpan<char> text)
    {
        if (this.refused)
        {
            return 0;
        }

        try
        {
            foreach (var match in this.engines.Get(this.engine).EnumerateMatches(text))
            {
                return match.Index;
            }

            return -1;
        }
        catch (NotSupportedException)
        {
            // The alternation outgrew what the linear engine builds; the members run one by one.
            this.refused = true;
            return 0;
        }
    }
}
