using System.Text.RegularExpressions;

namespace Prefilter.Engine.Checks;

/// <summary>Header text shaped the way SpamAssassin's analysis reads it.</summary>
internal static partial class SpamAssassinHeader
{
    /// <summary>
    /// A header value as written (<c>RawValue</c>) unfolded as SpamAssassin unfolds it: each line break and the
    /// whitespace after it become one space, so a date folded before its zone still reads <c>23:30:41 -0400</c>.
    /// </summary>
    public static string Unfold(string rawValue) => Folding().Replace(rawValue, " ").Trim();

    [GeneratedRegex(@"\n[ \t]+", RegexOptions.CultureInvariant)]
    private static partial Regex Folding();
}
