using System.Globalization;
using System.Text;

namespace Prefilter.Engine.Hyperscan;

/// <summary>
/// Turns a .NET pattern into a Hyperscan expression with the same matches, or says it cannot. Only what both engines
/// mean the same way is translated; everything else (lookarounds, backreferences, <c>\G</c>, atomic groups,
/// conditionals, class subtraction, free spacing, control escapes) stays on the .NET engines.
/// </summary>
/// <remarks>
/// Texts are scanned as UTF-8 with Unicode properties (<see cref="HyperscanNative.FlagUcp"/>). .NET's classes are
/// spelled out by their Unicode categories: <c>\w</c> is <c>[\p{L}\p{Mn}\p{Nd}\p{Pc}]</c>, <c>\d</c> is
/// <c>\p{Nd}</c>, <c>\s</c> is <c>[\f\n\r\t\v\x85\p{Z}]</c>. Where the two still differ, on text outside the Basic
/// Multilingual Plane (.NET's <c>.</c> reads half of it) and at a word boundary next to a combining mark, the corpus
/// differential test is the judge.
/// </remarks>
internal static class HyperscanTranslation
{
    /// <summary>
    /// The flags of every expression: UTF-8 text, one report per pattern and scan. Not Unicode properties
    /// (<c>HS_FLAG_UCP</c>): Hyperscan refuses <c>\b</c> with them, and .NET's classes are spelled out anyway.
    /// </summary>
    public const uint Flags = HyperscanNative.FlagUtf8 | HyperscanNative.FlagSingleMatch;

    private const string Word = @"\p{L}\p{Mn}\p{Nd}\p{Pc}";
    private const string Space = @"\x{9}\x{A}\x{B}\x{C}\x{D}\x{85}\p{Z}";

    // General categories both engines know. Not the cased ones (Lu, Ll, Lt): under (?i) .NET widens them to their
    // other cases and Hyperscan does not, and options switch case folding on in too many ways ("(?mi)", "(?i:") to
    // tell here.
    private static readonly HashSet<string> Categories = new(StringComparer.Ordinal)
    {
        "L", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps", "Pe",
        "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So", "Z", "Zs", "Zl", "Zp", "Cc", "Cf",
    };

    // Hyperscan builds a counted repetition of a wide class into a machine as large as its count in UTF-8, for
    // minutes at a few hundred ('[^>]{1,1000}'); such a count becomes a plain repetition, which matches wherever the
    // pattern does, and the pattern confirms each unit Hyperscan reports.
    private const int MaxExactCount = 32;

    /// <summary>
    /// The Hyperscan expression for <paramref name="pattern"/>, or null when it has none, with how far its matches are
    /// the pattern's (<see cref="HyperscanFidelity"/>).
    /// </summary>
    /// <param name="pattern">A pattern .NET accepted.</param>
    /// <param name="keepWordBoundaries">
    /// Keep <c>\b</c> and <c>\B</c> as Hyperscan's ASCII ones (the expression is then at best
    /// <see cref="HyperscanFidelity.ExactOnAscii"/>); otherwise drop them (a <see cref="HyperscanFidelity.Screen"/>).
    /// </param>
    public static (string Expression, HyperscanFidelity Fidelity)? Translate(string pattern, bool keepWordBoundaries)
    {
        var exact = HyperscanFidelity.Exact;
        var output = new StringBuilder(pattern.Length + 16);
        var i = 0;
        while (i < pattern.Length)
        {
            var c = pattern[i];
            switch (c)
            {
                case '\\':
                    if (!TranslateEscape(pattern, ref i, output, keepWordBoundaries, ref exact))
                    {
                        return null;
                    }

                    continue;
                case '[':
                    if (!TranslateClass(pattern, ref i, output))
                    {
                        return null;
                    }

                    continue;
                case '(':
                    if (!TranslateGroupOpening(pattern, ref i, output, ref exact))
                    {
                        return null;
                    }

                    continue;
                case '{':
                    i = TranslateBrace(pattern, i, output, ref exact);
                    continue;
                case '.' or '^' or '$' or '|' or ')' or '*' or '+' or '?':
                    output.Append(c);
                    break;
                default:
                    if (!AppendLiteral(pattern, ref i, output))
                    {
                        return null;
                    }

                    continue;
            }

            i++;
        }

        return (output.ToString(), exact);
    }

    // A counted repetition stays one; any other '{' is a literal to .NET, and is escaped so Hyperscan agrees.
    private static int TranslateBrace(string pattern, int i, StringBuilder output, ref HyperscanFidelity exact)
    {
        var end = i + 1;
        while (end < pattern.Length && char.IsAsciiDigit(pattern[end]))
        {
            end++;
        }

        var hasMin = end > i + 1;
        if (hasMin && end < pattern.Length && pattern[end] == ',')
        {
            end++;
            while (end < pattern.Length && char.IsAsciiDigit(pattern[end]))
            {
                end++;
            }
        }

        if (hasMin && end < pattern.Length && pattern[end] == '}')
        {
            var counts = pattern[(i + 1)..end].Split(',');
            if (counts.Any(count => count.Length > 0 && (count.Length > 4 || int.Parse(count, CultureInfo.InvariantCulture) > MaxExactCount)))
            {
                exact = HyperscanFidelity.Screen;
                output.Append(counts[0] is "0" or "" ? '*' : '+');
            }
            else
            {
                output.Append(pattern, i, end + 1 - i);
            }

            return end + 1;
        }

        output.Append(@"\{");
        return i + 1;
    }

    private static bool TranslateGroupOpening(string pattern, ref int i, StringBuilder output, ref HyperscanFidelity exact)
    {
        if (i + 1 >= pattern.Length || pattern[i + 1] != '?')
        {
            output.Append("(?:");
            i++;
            return true;
        }

        var next = i + 2 < pattern.Length ? pattern[i + 2] : '\0';
        if (next == ':')
        {
            output.Append("(?:");
            i += 3;
            return true;
        }

        if (next is '=' or '!' || next == '<' && i + 3 < pattern.Length && pattern[i + 3] is '=' or '!')
        {
            // A lookaround only narrows where the rest matches: without it, the expression is a screen.
            var after = SkipGroup(pattern, i);
            if (after < 0 || after < pattern.Length && pattern[after] is '*' or '+' or '?' or '{')
            {
                return false;
            }

            exact = HyperscanFidelity.Screen;
            i = after;
            return true;
        }

        if (next == '>')
        {
            // An atomic group gives up matches backtracking would find: as a plain group, the expression is a screen.
            exact = HyperscanFidelity.Screen;
            output.Append("(?:");
            i += 3;
            return true;
        }

        if (next is '<' or '\'' && i + 3 < pattern.Length && pattern[i + 3] is not ('=' or '!'))
        {
            // A named group: what it captures does not change where the pattern matches.
            var close = pattern.IndexOf(next == '<' ? '>' : '\'', i + 3);
            if (close < 0)
            {
                return false;
            }

            output.Append("(?:");
            i = close + 1;
            return true;
        }

        // Inline options: i, m and s mean the same in both engines; n only stops captures; x changes parsing.
        var end = i + 2;
        while (end < pattern.Length && pattern[end] is 'i' or 'm' or 's' or 'n' or '-')
        {
            end++;
        }

        if (end == i + 2 || end >= pattern.Length || pattern[end] is not (')' or ':'))
        {
            return false;
        }

        var options = pattern[(i + 2)..end].Replace("n", "", StringComparison.Ordinal);
        output.Append(options is "" or "-" ? (pattern[end] == ':' ? "(?:" : "") : $"(?{options}{pattern[end]}");
        i = end + 1;
        return true;
    }

    private static bool TranslateClass(string pattern, ref int i, StringBuilder output)
    {
        var at = i + 1;
        output.Append('[');
        if (at < pattern.Length && pattern[at] == '^')
        {
            output.Append('^');
            at++;
        }

        var first = true;
        while (at < pattern.Length && (pattern[at] != ']' || first))
        {
            first = false;
            if (pattern[at] == '-' && at + 1 < pattern.Length && pattern[at + 1] == '[')
            {
                return false;
            }

            if (!ClassMember(pattern, ref at, out var low, output))
            {
                return false;
            }

            if (low >= 0 && at + 1 < pattern.Length && pattern[at] == '-' && pattern[at + 1] != ']')
            {
                at++;
                var high = new StringBuilder();
                // A range that takes some surrogates and some other characters has no image in the scanned text's code points.
                if (!ClassMember(pattern, ref at, out var highChar, high) || highChar < 0
                    || char.IsSurrogate((char)low) != char.IsSurrogate((char)highChar) || low < 0xD800 && highChar > 0xDFFF)
                {
                    return false;
                }

                output.Append('-').Append(high);
            }
        }

        if (at >= pattern.Length)
        {
            return false;
        }

        output.Append(']');
        i = at + 1;
        return true;
    }

    // One member of a class: a character (its code in single, for ranges) or a class escape (single is -1).
    private static bool ClassMember(string pattern, ref int at, out int single, StringBuilder output)
    {
        single = -1;
        var c = pattern[at];
        if (c != '\\')
        {
            single = c;
            AppendCode(output, c);
            at++;
            return true;
        }

        if (at + 1 >= pattern.Length)
        {
            return false;
        }

        var e = pattern[at + 1];
        switch (e)
        {
            case 'd':
                output.Append(@"\p{Nd}");
                at += 2;
                return true;
            case 'D':
                output.Append(@"\P{Nd}");
                at += 2;
                return true;
            case 'w':
                output.Append(Word);
                at += 2;
                return true;
            case 's':
                output.Append(Space);
                at += 2;
                return true;
            case 'p' or 'P':
                return Category(pattern, ref at, output);
            case 'b':
                single = '\b';
                AppendCode(output, '\b');
                at += 2;
                return true;
            default:
                if (CharacterEscape(pattern, ref at, out var code))
                {
                    single = code;
                    AppendCode(output, code);
                    return true;
                }

                return false;
        }
    }

    // Past the group that opens at 'open', or -1 when it does not close.
    private static int SkipGroup(string pattern, int open)
    {
        var depth = 0;
        for (var at = open; at < pattern.Length; at++)
        {
            switch (pattern[at])
            {
                case '\\':
                    at++;
                    break;
                case '[':
                    at++;
                    if (at < pattern.Length && pattern[at] == '^')
                    {
                        at++;
                    }

                    at++;
                    while (at < pattern.Length && pattern[at] != ']')
                    {
                        at += pattern[at] == '\\' ? 2 : 1;
                    }

                    break;
                case '(':
                    depth++;
                    break;
                case ')':
                    if (--depth == 0)
                    {
                        return at + 1;
                    }

                    break;
            }
        }

        return -1;
    }

    private static bool TranslateEscape(string pattern, ref int i, StringBuilder output, bool keepWordBoundaries, ref HyperscanFidelity exact)
    {
        if (i + 1 >= pattern.Length)
        {
            return false;
        }

        var e = pattern[i + 1];
        switch (e)
        {
            case 'd':
                output.Append(@"\p{Nd}");
                break;
            case 'D':
                output.Append(@"\P{Nd}");
                break;
            case 'w':
                output.Append('[').Append(Word).Append(']');
                break;
            case 'W':
                output.Append("[^").Append(Word).Append(']');
                break;
            case 's':
                output.Append('[').Append(Space).Append(']');
                break;
            case 'S':
                output.Append("[^").Append(Space).Append(']');
                break;
            case 'b' or 'B':
                // Hyperscan's word boundary is ASCII's without Unicode properties (and refused with them): the same as
                // .NET's where both neighbours are ASCII. Dropped, it leaves a screen (unless a quantifier follows,
                // which would then repeat what came before).
                if (keepWordBoundaries)
                {
                    output.Append('\\').Append(e);
                    exact = exact == HyperscanFidelity.Screen ? exact : HyperscanFidelity.ExactOnAscii;
                    break;
                }

                if (i + 2 < pattern.Length && pattern[i + 2] is '*' or '+' or '?' or '{')
                {
                    return false;
                }

                exact = HyperscanFidelity.Screen;
                break;
            case 'A' or 'z' or 'Z':
                output.Append('\\').Append(e);
                break;
            case 'p' or 'P':
                return Category(pattern, ref i, output);
            default:
                if (CharacterEscape(pattern, ref i, out var code))
                {
                    AppendCode(output, code);
                    return true;
                }

                return false;
        }

        i += 2;
        return true;
    }

    private static bool Category(string pattern, ref int at, StringBuilder output)
    {
        if (at + 2 >= pattern.Length || pattern[at + 2] != '{')
        {
            return false;
        }

        var close = pattern.IndexOf('}', at + 3);
        if (close < 0 || !Categories.Contains(pattern[(at + 3)..close]))
        {
            return false;
        }

        output.Append(pattern, at, close + 1 - at);
        at = close + 1;
        return true;
    }

    // An escape that stands for one character: \t \n \r \f \v \e \a \xHH \uHHHH \0oo and escaped punctuation.
    private static bool CharacterEscape(string pattern, ref int at, out int code)
    {
        code = -1;
        var e = pattern[at + 1];
        switch (e)
        {
            case 't': code = '\t'; break;
            case 'n': code = '\n'; break;
            case 'r': code = '\r'; break;
            case 'f': code = '\f'; break;
            case 'v': code = '\v'; break;
            case 'e': code = 0x1B; break;
            case 'a': code = 0x07; break;
            case 'x':
                return Hex(pattern, ref at, 2, out code);
            case 'u':
                return Hex(pattern, ref at, 4, out code);
            case '0':
                var end = at + 2;
                var value = 0;
                while (end < pattern.Length && end < at + 4 && pattern[end] is >= '0' and <= '7')
                {
                    value = value * 8 + pattern[end] - '0';
                    end++;
                }

                code = value;
                at = end;
                return true;
            default:
                if (char.IsAsciiLetterOrDigit(e) || char.IsSurrogate(e) || e == '_')
                {
                    return false;
                }

                code = e;
                break;
        }

        at += 2;
        return true;
    }

    private static bool Hex(string pattern, ref int at, int digits, out int code)
    {
        code = -1;
        if (at + 2 + digits > pattern.Length
            || !int.TryParse(pattern.AsSpan(at + 2, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out code))
        {
            return false;
        }

        at += 2 + digits;
        return true;
    }

    private static bool AppendLiteral(string pattern, ref int i, StringBuilder output)
    {
        var c = pattern[i];
        if (char.IsAsciiLetterOrDigit(c))
        {
            output.Append(c);
        }
        else
        {
            AppendCode(output, c);
        }

        i++;
        return true;
    }

    // A surrogate stands for the code point the scanned text gives it (HyperscanText), so a quantifier after one
    // repeats that one UTF-16 unit, as in .NET.
    // Letters and digits stand for themselves (Hyperscan reads the expression as UTF-8), ASCII punctuation escaped is
    // always a literal, the rest by number: expressions stay short, as Hyperscan limits their length.
    private static void AppendCode(StringBuilder output, int code)
    {
        if (code is < 0xD800 or (> 0xDFFF and <= 0xFFFF) && char.IsLetterOrDigit((char)code))
        {
            output.Append((char)code);
        }
        else if (code is > 0x20 and < 0x7F)
        {
            output.Append('\\').Append((char)code);
        }
        else
        {
            output.Append(@"\x{").Append(HyperscanText.CodeOf(code).ToString("X", CultureInfo.InvariantCulture)).Append('}');
        }
    }
}

/// <summary>How far the matches of a Hyperscan expression are those of the .NET pattern it was translated from.</summary>
internal enum HyperscanFidelity
{
    /// <summary>It matches where the pattern does.</summary>
    Exact,

    /// <summary>It matches where the pattern does in a text of ASCII only (its word boundaries are ASCII's).</summary>
    ExactOnAscii,

    /// <summary>It matches at least where the pattern does; the pattern confirms.</summary>
    Screen,
}
