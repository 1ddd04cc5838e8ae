using System.Text.RegularExpressions;
using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Checks;

/// <summary>Header text shaped the way SpamAssassin's analysis reads it.</summary>
internal static partial class SpamAssassinHeader
{
    /// <summary>
    /// A header value as written (<c>RawValue</c>) unfolded as SpamAssassin unfolds it: each line break and the
    /// whitespace after it become one space, so a date folded before its zone still reads <c>23:30:41 -0400</c>.
    /// </summary>
    public static string Unfold(string rawValue) => Folding().Replace(rawValue, " ").Trim();

    /// <summary>
    /// SpamAssassin's <c>$pms-&gt;get(name)</c> in scalar context: the decoded value of every field named
    /// <paramref name="name"/>, each followed by a line break; empty when there is none.
    /// </summary>
    public static string Get(MessageHeaders headers, string name) =>
        string.Concat(headers.GetValues(name).Select(value => value + "\n"));

    [GeneratedRegex(@"\n[ \t]+", RegexOptions.CultureInvariant)]
    private static partial Regex Folding();
}
