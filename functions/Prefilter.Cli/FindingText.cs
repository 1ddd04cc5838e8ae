using System.Text;
using Prefilter.Engine.Linting;

namespace Prefilter.Cli;

/// <summary>Writes lint findings for a terminal: <c>file:line: RULE: reason</c>, control characters escaped.</summary>
internal static class FindingText
{
    /// <summary>One finding as a line.</summary>
    /// <param name="path">The set's file.</param>
    /// <param name="finding">The finding.</param>
    public static string Format(string path, LintFinding finding)
    {
        var where = finding.Line is { } line ? $"{path}:{line}" : path;
        return Printable(finding.RuleId is { } id ? $"{where}: {id}: {finding.Reason}" : $"{where}: {finding.Reason}");
    }

    // A rule id or pattern in a finding is the set author's text: a NUL or an escape sequence must not reach the terminal.
    private static string Printable(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (char.IsControl(c))
            {
                builder.Append($"\\u{(int)c:X4}");
            }
            else
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
