using System.Globalization;
using System.Text;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>
/// Rewrites UTF-8 byte sequences spelled out in a Perl pattern (<c>[\xc3][\x87\xa7]</c>,
/// <c>[\xe1](?:[\xb8][\x88\x89]|[\xba][\x9a])</c>) into the characters they encode (<c>[\x{c7}\x{e7}]</c>, …).
/// </summary>
/// <remarks>
/// SpamAssassin 4 matches rules against text re-encoded as UTF-8 octets, so rule authors write non-ASCII letters as
/// their UTF-8 bytes; the ReplaceTags look-alike classes consist mostly of such sequences. This engine matches body,
/// rawbody, header and URI rules against decoded text, where those byte sequences never occur: the characters they
/// encode do. A sequence is rewritten only when it is unambiguous — a lead-byte set followed, without quantifiers, by
/// exactly the continuation bytes its length needs (directly or in a non-capturing alternation) — and every byte
/// string it spells is at most <see cref="MaxStrings"/> long in number. Single bytes (<c>\xe9</c>) stay: on decoded
/// text they are the Latin-1 letters the authors also meant.
/// </remarks>
internal static class Utf8SequenceRewriter
{
    /// <summary>Sequences spelling more byte strings than this are left alone.</summary>
    public const int MaxStrings = 4096;

    private enum TokenKind
    {
        Literal,
        Bytes,
        Class,
        Escape,
        OpenNonCapturing,
        OpenOther,
        Close,
        Alternation,
        Quantifier,
    }

    private sealed record Token(TokenKind Kind, int Start, int End, byte[]? Bytes = null);

    /// <summary>Returns the pattern with byte sequences replaced; unchanged when there are none, or with /x.</summary>
    public static string Rewrite(string pattern, string modifiers)
    {
        if (modifiers.Contains('x', StringComparison.Ordinal) || !pattern.Any(c => c >= 0x80) && !pattern.Contains("\\x", StringComparison.Ordinal))
        {
            return pattern;
        }

        List<Token> tokens;
        try
        {
            tokens = Lex(pattern);
        }
        catch (FormatException)
        {
            // Left to the converter, which reports malformed patterns with their offset.
            return pattern;
        }

        var output = new StringBuilder();
        var copied = 0;
        for (var i = 0; i < tokens.Count; i++)
        {
            var token = tokens[i];
            if (token.Kind != TokenKind.Bytes || SequenceLength(token.Bytes!) is not int length || length < 2)
            {
                continue;
            }

            var next = i + 1;
            var tails = Continuations(tokens, ref next, length - 1);
            if (tails is null || (next < tokens.Count && tokens[next].Kind == TokenKind.Quantifier))
            {
                continue;
            }

            var strings = new List<byte[]>();
            foreach (var lead in token.Bytes!)
            {
                foreach (var tail in tails)
                {
                    if (strings.Count >= MaxStrings)
                    {
                        break;
                    }

                    strings.Add([lead, .. tail]);
                }
            }

            var codePoints = Decode(strings);
            if (codePoints.Count == 0 || strings.Count >= MaxStrings)
            {
                continue;
            }

            output.Append(pattern, copied, token.Start - copied).Append(ClassOf(codePoints));
            copied = tokens[next - 1].End;
            i = next - 1;
        }

        return copied == 0 ? pattern : output.Append(pattern, copied, pattern.Length - copied).ToString();
    }

    /// <summary>The byte strings of exactly <paramref name="count"/> continuation bytes starting at <paramref name="index"/>.</summary>
    private static List<byte[]>? Continuations(List<Token> tokens, ref int index, int count)
    {
        if (count == 0)
        {
            return [[]];
        }

        if (index >= tokens.Count)
        {
            return null;
        }

        var token = tokens[index];
        if (token.Kind == TokenKind.Bytes && token.Bytes!.All(IsContinuation))
        {
            var afterAtom = index + 1;
            if (afterAtom < tokens.Count && tokens[afterAtom].Kind == TokenKind.Quantifier)
            {
                return null;
            }

            var rest = Continuations(tokens, ref afterAtom, count - 1);
            if (rest is null)
            {
                return null;
            }

            index = afterAtom;
            return token.Bytes!.SelectMany(b => rest.Select(r => (byte[])[b, .. r])).Take(MaxStrings).ToList();
        }

        if (token.Kind != TokenKind.OpenNonCapturing)
        {
            return null;
        }

        // (?:alt|alt|…): every alternative must spell exactly the remaining bytes.
        var all = new List<byte[]>();
        var position = index + 1;
        while (true)
        {
            var alternative = Continuations(tokens, ref position, count);
            if (alternative is null || position >= tokens.Count)
            {
                return null;
            }

            all.AddRange(alternative);
            if (tokens[position].Kind == TokenKind.Close)
            {
                index = position + 1;
                return all.Count > MaxStrings ? null : all;
            }

            if (tokens[position].Kind != TokenKind.Alternation)
            {
                return null;
            }

            position++;
        }
    }

    private static bool IsContinuation(byte b) => b is >= 0x80 and <= 0xBF;

    private static int? SequenceLength(byte[] leads)
    {
        int? length = null;
        foreach (var b in leads)
        {
            int current = b switch
            {
                >= 0xC2 and <= 0xDF => 2,
                >= 0xE0 and <= 0xEF => 3,
                >= 0xF0 and <= 0xF4 => 4,
                _ => 0,
            };
            if (current == 0 || (length is not null && length != current))
            {
                return null;
            }

            length = current;
        }

        return length;
    }

    private static SortedSet<int> Decode(List<byte[]> strings)
    {
        var decoder = new UTF8Encoding(false, throwOnInvalidBytes: true);
        var codePoints = new SortedSet<int>();
        foreach (var bytes in strings)
        {
            try
            {
                var text = decoder.GetString(bytes);
                codePoints.Add(char.ConvertToUtf32(text, 0));
            }
            catch (ArgumentException)
            {
                // Overlong or otherwise invalid: such bytes never occur in decoded text.
            }
        }

        return codePoints;
    }

    private static string ClassOf(SortedSet<int> codePoints)
    {
        var text = new StringBuilder("[");
        int? start = null;
        var previous = -2;
        foreach (var cp in codePoints.Append(int.MaxValue))
        {
            if (cp == previous + 1)
            {
                previous = cp;
                continue;
            }

            if (start is int s)
            {
                text.Append(CultureInfo.InvariantCulture, $"\\x{{{s:x}}}");
                if (previous > s)
                {
                    text.Append(CultureInfo.InvariantCulture, $"-\\x{{{previous:x}}}");
                }
            }

            start = cp;
            previous = cp;
        }

        return text.Append(']').ToString();
    }

    private static List<Token> Lex(string p)
    {
        var tokens = new List<Token>();
        var i = 0;
        while (i < p.Length)
        {
            var start = i;
            var c = p[i];
            switch (c)
            {
                case '\\':
                    if (i + 1 >= p.Length)
                    {
                        throw new FormatException("trailing backslash");
                    }

                    if (p[i + 1] == 'x' && HexByte(p, i, out var value, out var length) && value >= 0x80)
                    {
                        tokens.Add(new Token(TokenKind.Bytes, start, i + length, [(byte)value]));
                        i += length;
                    }
                    else
                    {
                        i += 2;
                        tokens.Add(new Token(TokenKind.Escape, start, i));
                    }

                    break;
                case '[':
                    i = ClassEnd(p, i);
                    var bytes = ClassBytes(p, start, i);
                    tokens.Add(bytes is null ? new Token(TokenKind.Class, start, i) : new Token(TokenKind.Bytes, start, i, bytes));
                    break;
                case '(':
                    var nonCapturing = i + 2 < p.Length && p[i + 1] == '?' && p[i + 2] == ':';
                    i += nonCapturing ? 3 : 1;
                    tokens.Add(new Token(nonCapturing ? TokenKind.OpenNonCapturing : TokenKind.OpenOther, start, i));
                    break;
                case ')':
                    tokens.Add(new Token(TokenKind.Close, start, ++i));
                    break;
                case '|':
                    tokens.Add(new Token(TokenKind.Alternation, start, ++i));
                    break;
                case '*' or '+' or '?':
                    tokens.Add(new Token(TokenKind.Quantifier, start, ++i));
                    break;
                case '{' when i + 1 < p.Length && (char.IsAsciiDigit(p[i + 1]) || p[i + 1] is ',' or ' '):
                    var close = p.IndexOf('}', i);
                    i = close < 0 ? i + 1 : close + 1;
                    tokens.Add(new Token(close < 0 ? TokenKind.Literal : TokenKind.Quantifier, start, i));
                    break;
                default:
                    i++;
                    tokens.Add(c is >= '\u0080' and <= '\u00FF'
                        ? new Token(TokenKind.Bytes, start, i, [(byte)c])
                        : new Token(TokenKind.Literal, start, i));
                    break;
            }
        }

        return tokens;
    }

    /// <summary>Reads <c>\xHH</c> or <c>\x{HH}</c> at <paramref name="at"/>.</summary>
    private static bool HexByte(string p, int at, out int value, out int length)
    {
        value = 0;
        length = 0;
        var i = at + 2;
        if (i < p.Length && p[i] == '{')
        {
            var close = p.IndexOf('}', i);
            if (close < 0 || !int.TryParse(p.AsSpan(i + 1, close - i - 1), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out value) || value > 0xFF)
            {
                return false;
            }

            length = close + 1 - at;
            return true;
        }

        var digits = 0;
        while (digits < 2 && i + digits < p.Length && char.IsAsciiHexDigit(p[i + digits]))
        {
            digits++;
        }

        if (digits == 0)
        {
            return false;
        }

        value = int.Parse(p.AsSpan(i, digits), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        length = 2 + digits;
        return true;
    }

    private static int ClassEnd(string p, int start)
    {
        var i = start + 1;
        if (i < p.Length && p[i] == '^')
        {
            i++;
        }

        if (i < p.Length && p[i] == ']')
        {
            i++;
        }

        while (i < p.Length)
        {
            if (p[i] == '\\')
            {
                i += 2;
                continue;
            }

            if (p[i] == '[' && i + 1 < p.Length && p[i + 1] == ':')
            {
                var end = p.IndexOf(":]", i + 2, StringComparison.Ordinal);
                if (end > 0)
                {
                    i = end + 2;
                    continue;
                }
            }

            if (p[i] == ']')
            {
                return i + 1;
            }

            i++;
        }

        throw new FormatException("unterminated class");
    }

    /// <summary>The bytes of a class made only of bytes 0x80–0xFF (single or ranges); null for any other class.</summary>
    private static byte[]? ClassBytes(string p, int start, int end)
    {
        var members = new List<int>();
        var i = start + 1;
        var last = end - 1;
        if (p[i] == '^')
        {
            return null;
        }

        while (i < last)
        {
            if (!ByteAt(p, ref i, out var low))
            {
                return null;
            }

            if (i < last - 1 && p[i] == '-')
            {
                i++;
                if (!ByteAt(p, ref i, out var high) || high < low)
                {
                    return null;
                }

                for (var b = low; b <= high; b++)
                {
                    members.Add(b);
                }
            }
            else
            {
                members.Add(low);
            }
        }

        return members.Count == 0 ? null : members.Distinct().Select(b => (byte)b).ToArray();
    }

    private static bool ByteAt(string p, ref int i, out int value)
    {
        if (p[i] == '\\' && i + 1 < p.Length && p[i + 1] == 'x' && HexByte(p, i, out value, out var length) && value >= 0x80)
        {
            i += length;
            return true;
        }

        if (p[i] is >= '\u0080' and <= '\u00FF')
        {
            value = p[i];
            i++;
            return true;
        }

        value = 0;
        return false;
    }
}
