using System.Text.RegularExpressions;
using Prefilter.Engine.Regexes;

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
    private const RegexOptions Options = RegexAnalyzer.BaseOptions | RegexOptions.NonBacktracking | RegexOptions.ExplicitCapture;

    private readonly string _pattern;
    private readonly RegexOptions _options;
    private readonly EngineBuildTimer _builds;
    private Regex? _regex;
    private volatile bool _refused;

    /// <param name="checks">The checks, each with a regex whose <see cref="RuleRegex.CanBeGrouped"/> holds.</param>
    /// <param name="builds">Times the build of the group's engine, which scans leave out of their deadline.</param>
    /// <param name="joined">
    /// Whether the group runs over joined units (multiline; every member's <see cref="RuleRegex.CanRunJoined"/> holds)
    /// rather than over a single unit.
    /// </param>
    public CheckGroup(IReadOnlyList<ScanCheck> checks, EngineBuildTimer builds, bool joined)
    {
        _builds = builds;
        Checks = [.. checks.Select(check => check.Index)];
        Joined = joined;
        _options = joined ? Options | RegexOptions.Multiline : Options;

        // Each member in its own group: inline options such as (?i) stay scoped to the member that set them.
        _pattern = string.Join("|", checks.Select(check => $"(?:{check.Regex.FilterPattern})"));
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
        if (_refused)
        {
            return 0;
        }

        try
        {
            foreach (var match in (_regex ??= _builds.Build(() => new Regex(_pattern, _options))).EnumerateMatches(text))
            {
                return match.Index;
            }

            return -1;
        }
        catch (NotSupportedException)
        {
            // The alternation outgrew what the linear engine builds; the members run one by one.
            _refused = true;
            return 0;
        }
    }
}
