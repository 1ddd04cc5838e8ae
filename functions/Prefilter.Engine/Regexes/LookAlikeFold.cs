namespace Prefilter.Engine.Regexes;

/// <summary>
/// Folds text to a small ASCII alphabet so that obfuscated spellings ("v1@gr4", "m0ney", "ca$h") and the
/// look-alike classes of SpamAssassin's ReplaceTags rules reduce to the same letters, and a literal search can
/// find where such a rule may match.
/// </summary>
/// <remarks>
/// The fold maps each character independently: ASCII letters and a few digits to a group letter
/// (<c>c k g o 0 u v w</c> → <c>o</c>, <c>i l 1 y j | !</c> → <c>i</c>, <c>e 3</c> → <c>e</c>,
/// <c>b 8</c> → <c>b</c>, <c>a 4 @</c> → <c>a</c>, <c>s z 5</c> → <c>s</c>, <c>t 7</c> → <c>t</c>; the groups are those the ReplaceTags classes share), other non-word characters (what
/// <c>\W</c> matches, and <c>_</c>) and non-ASCII spacing and punctuation to nothing, and every other non-ASCII
/// character and <c>&amp;</c> (which starts character references) to nothing while noting that one was seen: a
/// literal set may hold the marker "such a character occurs" instead of strings with those characters. Runs of one folded letter collapse to one. Because <see cref="LiteralExtractor"/> folds a pattern with
/// the very same map, a literal it derives occurs in the folded text of every text the pattern matches: the
/// prefilter stays sound whatever the table says; the table only decides how selective it is.
/// </remarks>
internal static class LookAlikeFold
{
    /// <summary>What <see cref="Map"/> returns for characters that fold to nothing.</summary>
    public const char Deleted = '\0';

    /// <summary>
    /// Marker for non-ASCII characters and <c>&amp;</c>. <see cref="Map"/> returns it for such characters; they are
    /// dropped from folded text and reported as a bit set; in literal sets the marker stands for "such a character
    /// occurs".
    /// </summary>
    public const char NonAsciiWord = '\u0001';

    /// <summary>The literal form of <see cref="NonAsciiWord"/>.</summary>
    public const string NonAsciiWordMarker = "\u0001";

    public static bool IsMarker(char c) => c == NonAsciiWord;

    /// <summary>The bit of a marker in the set <see cref="Fold"/> reports.</summary>
    public static byte MarkerBit(char marker) => (byte)(1 << (marker - 1));

    private static readonly Lazy<char[]> Table = new(Build);

    public static char Map(char c) => Table.Value[c];

    /// <summary>Folds <paramref name="text"/> into <paramref name="output"/> (at least as long as the text).</summary>
    /// <returns>The folded length.</returns>
    public static int Fold(ReadOnlySpan<char> text, Span<char> output, out byte markers)
    {
        var table = Table.Value;
        var length = 0;
        var previous = Deleted;
        markers = 0;
        foreach (var c in text)
        {
            var folded = table[c];
            if (folded == Deleted)
            {
                continue;
            }

            if (IsMarker(folded))
            {
                markers |= MarkerBit(folded);
                continue;
            }

            if (folded != previous)
            {
                output[length++] = folded;
                previous = folded;
            }
        }

        return length;
    }

    /// <summary>Collapses runs of one character, as <see cref="Fold"/> does for text.</summary>
    public static string Collapse(string value)
    {
        if (value.Length < 2)
        {
            return value;
        }

        Span<char> buffer = value.Length <= 256 ? stackalloc char[value.Length] : new char[value.Length];
        var length = 0;
        foreach (var c in value)
        {
            if (length == 0 || buffer[length - 1] != c)
            {
                buffer[length++] = c;
            }
        }

        return length == value.Length ? value : new string(buffer[..length]);
    }

    // Spaces, controls and the General Punctuation block (curly quotes, dashes, ellipsis) are common in ordinary mail
    // and never stand for letters; every other non-ASCII character (letters, Latin-1 symbols such as ¦ § ¥ that
    // look-alike classes use, surrogates of letters outside the BMP) becomes the marker.
    private static bool IsSpacingOrPunctuation(char c) =>
        char.IsWhiteSpace(c) || char.IsControl(c) || (c >= '\u2000' && c <= '\u206F')
        || System.Globalization.CharUnicodeInfo.GetUnicodeCategory(c) == System.Globalization.UnicodeCategory.Format;

    private static char[] Build()
    {
        var table = new char[65536];
        for (var i = 0; i < table.Length; i++)
        {
            var c = (char)i;
            table[i] = c < 128 ? (CharSet.IsWordChar(c) && c != '_' ? c : Deleted)
                : IsSpacingOrPunctuation(c) ? Deleted
                : NonAsciiWord;
        }

        for (var c = 'A'; c <= 'Z'; c++)
        {
            table[c] = char.ToLowerInvariant(c);
        }

        foreach (var (members, group) in new[] { ("ckgo0uvw", 'o'), ("il1yj", 'i'), ("sz5", 's'), ("e3", 'e'), ("b8", 'b'), ("a4", 'a'), ("t7", 't') })
        {
            foreach (var member in members)
            {
                table[member] = group;
                table[char.ToUpperInvariant(member)] = group;
            }
        }

        // The regex case table makes the Kelvin sign equal to k under IgnoreCase.
        table['\u212A'] = 'o';

        // Look-alike classes spell letters as character references (&#1089;); '&' stands for "some letter" like a
        // non-ASCII letter does, so such alternatives shrink to the marker instead of to many digit strings.
        table['&'] = NonAsciiWord;
        // '@' spells a (and, in one class, c): folding it to a keeps "p@yp@l" on the literal path, where a marker
        // would wake every look-alike rule on each paragraph with a mail address.
        table['@'] = 'a';

        // Look-alike classes use '|' and '!' only for i and l, one group: folding them to it keeps "v!agra" on the
        // literal path, where a marker would wake every look-alike rule on each paragraph with an exclamation mark.
        table['|'] = 'i';
        table['!'] = 'i';
        return table;
    }
}
