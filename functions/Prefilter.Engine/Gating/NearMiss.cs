using System.Globalization;
using System.Text;

namespace Prefilter.Engine.Gating;

/// <summary>
/// Builds a near-miss string for a regex: one walk of the pattern taking the first branch of each alternation, every
/// unbounded repetition expanded to a long run, and the last character broken so that a backtracking engine would
/// have to try every way of splitting the runs before giving up. A heuristic, not a parser: unknown syntax yields "".
/// </summary>
internal static class NearMiss
{
    private const int MaxLength = 200_000;

    public static string For(string pattern)
    {
        var text = new StringBuilder();
        var position = 0;
        try
        {
            Sequence(pattern, ref position, text);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or ArgumentOutOfRangeException or FormatException or OverflowException)
        {
            return "";
        }

        if (text.Length == 0)
        {
            return "";
        }

        // '\u0007' (BEL) is in no sensible character class a rule would repeat, so the match must fail at the very end.
        text.Length = Math.Min(text.Length, MaxLength);
        text[^1] = '\u0007';
        return text.ToString();
    }

    private static void Sequence(string pattern, ref int i, StringBuilder output)
    {
        while (i < pattern.Length && pattern[i] != ')')
        {
            if (pattern[i] == '|')
            {
                SkipToGroupEnd(pattern, ref i);
                return;
            }

            var atom = Atom(pattern, ref i);
            var repeat = Quantifier(pattern, ref i, atom.Length);
            for (var r = 0; r < repeat && output.Length < MaxLength; r++)
            {
                output.Append(atom);
            }
        }
    }

    private static string Atom(string pattern, ref int i)
    {
        var c = pattern[i++];
        switch (c)
        {
            case '(':
                return Group(pattern, ref i);
            case '[':
                return Class(pattern, ref i).ToString();
            case '\\':
                return Escape(pattern, ref i, inClass: false);
            case '.':
                return "a";
            case '^' or '$':
                return "";
            default:
                return c.ToString();
        }
    }

    private static string Group(string pattern, ref int i)
    {
        var lookaround = false;
        if (pattern[i] == '?')
        {
            var rest = pattern.AsSpan(i);
            lookaround = rest.StartsWith("?=") || rest.StartsWith("?!") || rest.StartsWith("?<=") || rest.StartsWith("?<!");
            if (rest.StartsWith("?<") && !lookaround || rest.StartsWith("?'") || rest.StartsWith("?P<"))
            {
                i = pattern.IndexOfAny(['>', '\''], i + 2) + 1;
            }
            else
            {
                // (?:, (?>, (?=, inline options such as (?i) or (?i:
                var end = pattern.IndexOfAny([':', ')', '>', '=', '!'], i + 1);
                if (pattern[end] == ')')
                {
                    i = end + 1;
                    return "";
                }

                i = end + 1;
            }
        }

        var inner = new StringBuilder();
        Sequence(pattern, ref i, inner);
        i++; // ')'
        return lookaround ? "" : inner.ToString();
    }

    private static char Class(string pattern, ref int i)
    {
        var negated = pattern[i] == '^';
        if (negated)
        {
            i++;
        }

        char? first = null;
        var excluded = new HashSet<char>();
        var start = i;
        while (pattern[i] != ']' || i == start)
        {
            var member = pattern[i] == '\\' ? Escape(pattern, ref i, inClass: true, skipBackslash: true) : pattern[i++].ToString();
            if (member.Length != 1)
            {
                continue;
            }

            first ??= member[0];
            var last = member[0];
            if (pattern[i] == '-' && pattern[i + 1] != ']')
            {
                i++;
                last = pattern[i] == '\\' ? Escape(pattern, ref i, inClass: true, skipBackslash: true)[0] : pattern[i++];
            }

            for (var c = member[0]; c <= last && c != char.MaxValue; c++)
            {
                excluded.Add(c);
            }
        }

        i++; // ']'
        if (!negated)
        {
            return first ?? 'a';
        }

        foreach (var candidate in "axz0 .")
        {
            if (!excluded.Contains(candidate))
            {
                return candidate;
            }
        }

        return 'q';
    }

    private static string Escape(string pattern, ref int i, bool inClass, bool skipBackslash = false)
    {
        if (skipBackslash)
        {
            i++;
        }

        var c = pattern[i++];
        switch (c)
        {
            case 'd':
                return "1";
            case 'w':
                return "a";
            case 's':
                return " ";
            case 'D' or 'W' or 'S':
                return "-";
            case 'n':
                return "\n";
            case 't':
                return "\t";
            case 'r':
                return "\r";
            case 'x' when pattern[i] == '{':
                var close = pattern.IndexOf('}', i);
                var code = int.Parse(pattern.AsSpan(i + 1, close - i - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                i = close + 1;
                return char.ConvertFromUtf32(code);
            case 'x':
                i += 2;
                return ((char)int.Parse(pattern.AsSpan(i - 2, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString();
            case 'u':
                i += 4;
                return ((char)int.Parse(pattern.AsSpan(i - 4, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture)).ToString();
            case 'b' when inClass:
                return "\b";
            case 'b' or 'B' or 'A' or 'z' or 'Z' or 'G':
                return "";
            case >= '0' and <= '9':
                // A backreference repeats what its group matched; an empty atom keeps the walk going.
                return "";
            default:
                return c.ToString();
        }
    }

    private static int Quantifier(string pattern, ref int i, int atomLength)
    {
        if (i >= pattern.Length)
        {
            return 1;
        }

        var longRun = Math.Max(1, AdversarialMail.RunLength / Math.Max(1, atomLength));
        int repeat;
        switch (pattern[i])
        {
            case '*' or '+':
                i++;
                repeat = atomLength == 0 ? 1 : longRun;
                break;
            case '?':
                i++;
                repeat = 1;
                break;
            case '{' when pattern.IndexOf('}', i) is var close and > 0 && IsCount(pattern.AsSpan(i + 1, close - i - 1)):
                var counts = pattern[(i + 1)..close].Split(',');
                var min = int.Parse(counts[0], CultureInfo.InvariantCulture);
                repeat = counts.Length == 2 && counts[1].Length == 0 ? Math.Max(min, longRun) : Math.Min(min, 10_000);
                i = close + 1;
                break;
            default:
                return 1;
        }

        if (i < pattern.Length && pattern[i] is '?' or '+')
        {
            i++;
        }

        return repeat;
    }

    private static bool IsCount(ReadOnlySpan<char> text) =>
        text.Length > 0 && char.IsAsciiDigit(text[0]) && !text.ContainsAnyExcept("0123456789,");

    private static void SkipToGroupEnd(string pattern, ref int i)
    {
        var depth = 0;
        for (; i < pattern.Length; i++)
        {
            switch (pattern[i])
            {
                case '\\':
                    i++;
                    break;
                case '[':
                    i = pattern.IndexOf(']', i + 2);
                    break;
                case '(':
                    depth++;
                    break;
                case ')' when depth == 0:
                    return;
                case ')':
                    depth--;
                    break;
            }
        }
    }
}
