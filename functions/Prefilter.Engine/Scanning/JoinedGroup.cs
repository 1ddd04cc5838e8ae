using System.Text.RegularExpressions;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// Checks without a useful literal that read the same part and can run on its joined units, tested together: one
/// run of their alternation over the joined text tells whether any of them can match at all. Most mails match none
/// of a group, so one run replaces one per check. Thread-safe: a race builds the engine twice and keeps one.
/// </summary>
internal sealed class JoinedGroup
{
    private const RegexOptions Options = RegexAnalyzer.BaseOptions | RegexOptions.NonBacktracking | RegexOptions.Multiline | RegexOptions.ExplicitCapture;

    private readonly string _pattern;
    private Regex? _regex;
    private volatile bool _refused;

    /// <param name="checks">The checks, each with a regex whose <see cref="RuleRegex.CanRunJoined"/> holds.</param>
    public JoinedGroup(IReadOnlyList<ScanCheck> checks)
    {
        Checks = [.. checks.Select(check => check.Index)];

        // Each member in its own group: inline options such as (?i) stay scoped to the member that set them.
        _pattern = string.Join("|", checks.Select(check => $"(?:{check.Regex.JoinedPattern})"));
    }

    /// <summary>The global indices of the member checks.</summary>
    public int[] Checks { get; }

    /// <summary>
    /// Where the leftmost match of any member starts in <paramref name="joined"/> (no member matches before it), or
    /// -1 when none can match; 0 when the group's engine could not be built.
    /// </summary>
    public int FirstMatch(ReadOnlySpan<char> joined)
    {
        if (_refused)
        {
            return 0;
        }

        try
        {
            foreach (var match in (_regex ??= new Regex(_pattern, Options)).EnumerateMatches(joined))
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
