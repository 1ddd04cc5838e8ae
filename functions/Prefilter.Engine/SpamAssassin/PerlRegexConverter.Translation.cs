using System.Text;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

public static partial class PerlRegexConverter
{
    /// <summary>One conversion: a single left-to-right pass that writes .NET syntax as it reads Perl syntax.</summary>
    private sealed partial class Translation(string pattern, string modifiers)
    {
        private const string Word = "a-zA-Z0-9_";
        private const string Digit = "0-9";
        private const string Space = "\\t\\n\\x0B\\f\\r ";
        private const string HorizontalSpace = "\\t \\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000";
        private const string VerticalSpace = "\\n\\x0B\\f\\r\\x85\\u2028\\u2029";

        // Perl 5.34+: {n}, {n,}, {n,m} and {,m}, blanks allowed inside the braces.
        private static readonly Regex BraceQuantifier = new(@"\{\s*(\d*)\s*(?:,\s*(\d*)\s*)?\}", RegexOptions.CultureInvariant);

        private readonly StringBuilder output = new();
        private readonly Stack<GroupFrame> groups = new();
        private int position;
        private bool extended;
        private int lastAtomStart = -1;
        private int capturesOpened;
        private int captureCount;

        public string Run()
        {
            var flags = ReadModifiers();
            captureCount = CountCaptures();
            while (position < pattern.Length)
            {
                Step();
            }

            if (groups.Count > 0)
            {
                throw Invalid("unmatched ( in regex", pattern.Length);
            }

            return flags.Length > 0 ? $"(?{flags}){output}" : output.ToString();
        }

        private string ReadModifiers()
        {
            var flags = new StringBuilder();
            foreach (var m in modifiers)
            {
                switch (m)
                {
                    case 'i' or 'm' or 's' or 'n':
                        if (flags.ToString().IndexOf(m) < 0)
                        {
                            flags.Append(m);
                        }

                        break;
                    case 'x':
                        extended = true;
                        break;
                    case 'g' or 'o' or 'c' or 'p' or 'a':
                        // g/o/c/p do not change what a single match test matches; a is already how SpamAssassin compiles.
                        break;
                    case 'u' or 'l' or 'd':
                        throw Unsupported($"charset modifier /{m}", null);
                    default:
                        throw Invalid($"unknown regex modifier /{m}", null);
                }
            }

            return flags.ToString();
        }

        private void Step()
        {
            var c = pattern[position];
            if (extended && SkipExtendedWhitespace())
            {
                return;
            }

            switch (c)
            {
                case '\\':
                    EscapeOutsideClass();
                    break;
                case '[':
                    CharacterClass();
                    break;
                case '(':
                    OpenGroup();
                    break;
                case ')':
                    CloseGroup();
                    break;
                case '|':
                    output.Append('|');
                    lastAtomStart = -1;
                    position++;
                    break;
                case '*' or '+' or '?':
                    position++;
                    Quantifier(c.ToString());
                    break;
                case '{':
                    BraceOrLiteral();
                    break;
                case '^' or '$' or '.':
                    lastAtomStart = output.Length;
                    output.Append(c);
                    position++;
                    break;
                default:
                    lastAtomStart = output.Length;
                    AppendLiteral(c);
                    position++;
                    break;
            }
        }

        private bool SkipExtendedWhitespace()
        {
            var c = pattern[position];
            if (char.IsWhiteSpace(c))
            {
                position++;
                return true;
            }

            if (c == '#')
            {
                while (position < pattern.Length && pattern[position] != '\n')
                {
                    position++;
                }

                return true;
            }

            return false;
        }

        private void CloseGroup()
        {
            if (groups.Count == 0)
            {
                throw Invalid("unmatched ) in regex", position);
            }

            var frame = groups.Pop();
            output.Append(')');
            lastAtomStart = frame.OutputStart;
            extended = frame.ExtendedBefore;
            position++;
        }

        private void Quantifier(string quantifier)
        {
            if (position < pattern.Length && pattern[position] == '?')
            {
                output.Append(quantifier).Append('?');
                position++;
            }
            else if (position < pattern.Length && pattern[position] == '+')
            {
                // Possessive: .NET has no such quantifier, but an atomic group around the quantified atom means the same.
                if (lastAtomStart < 0)
                {
                    throw Invalid("quantifier follows nothing", position);
                }

                output.Insert(lastAtomStart, "(?>");
                output.Append(quantifier).Append(')');
                position++;
            }
            else
            {
                output.Append(quantifier);
            }
        }

        private void BraceOrLiteral()
        {
            var match = BraceQuantifier.Match(pattern, position);
            if (match.Success && match.Index == position
                && (match.Groups[1].Value.Length > 0 || match.Groups[2].Value.Trim().Length > 0))
            {
                position += match.Length;
                var min = match.Groups[1].Value.Trim();
                var max = match.Groups[2].Success ? match.Groups[2].Value.Trim() : null;
                var text = match.Groups[2].Success
                    ? $"{{{(min.Length == 0 ? "0" : min)},{max}}}"
                    : $"{{{min}}}";
                Quantifier(text);
                return;
            }

            lastAtomStart = output.Length;
            output.Append("\\{");
            position++;
        }

        private void Atom(string text)
        {
            lastAtomStart = output.Length;
            output.Append(text);
        }

        private void AppendCodePoint(int codePoint)
        {
            lastAtomStart = output.Length;
            if (codePoint > 0xFFFF)
            {
                // Outside a class a surrogate pair is one atom when grouped.
                var text = char.ConvertFromUtf32(codePoint);
                output.Append("(?:").Append(EscapeForPattern(text[0])).Append(EscapeForPattern(text[1])).Append(')');
                return;
            }

            output.Append(EscapeForPattern((char)codePoint));
        }

        private void AppendLiteral(char c) => output.Append(EscapeForPattern(c));

        private static string EscapeForPattern(char c) => c switch
        {
            '\\' or '*' or '+' or '?' or '|' or '{' or '[' or '(' or ')' or '^' or '$' or '.' => "\\" + c,
            ' ' => " ",
            '\t' => "\\t",
            '\n' => "\\n",
            '\r' => "\\r",
            '\f' => "\\f",
            _ when c < 0x20 || (c >= 0x7F && c <= 0xA0) => $"\\x{(int)c:X2}",
            _ when char.IsSurrogate(c) || char.IsWhiteSpace(c) => $"\\u{(int)c:X4}",
            _ => c.ToString(),
        };

        private static string EscapeForClass(int c) => c switch
        {
            '\\' or ']' or '[' or '-' or '^' => "\\" + (char)c,
            ' ' => " ",
            '\t' => "\\t",
            '\n' => "\\n",
            '\r' => "\\r",
            '\f' => "\\f",
            < 0x20 or (>= 0x7F and <= 0xA0) => $"\\x{c:X2}",
            _ when char.IsSurrogate((char)c) || char.IsWhiteSpace((char)c) => $"\\u{c:X4}",
            _ => ((char)c).ToString(),
        };

        private int CountCaptures()
        {
            var count = 0;
            var inClass = false;
            for (var i = 0; i < pattern.Length; i++)
            {
                var c = pattern[i];
                if (c == '\\')
                {
                    i++;
                    continue;
                }

                if (inClass)
                {
                    inClass = c != ']';
                    continue;
                }

                if (c == '[')
                {
                    inClass = true;
                    if (At(i + 1, '^'))
                    {
                        i++;
                    }

                    if (At(i + 1, ']'))
                    {
                        i++;
                    }

                    continue;
                }

                if (c == '(' && (!At(i + 1, '?') || NamedGroup.Match(pattern, i) is { Success: true } m && m.Index == i) && !At(i + 1, '*'))
                {
                    count++;
                }
            }

            return count;
        }

        private static string FirstSuccessful(Match match) => match.Groups.Cast<Group>().Skip(1).First(g => g.Success).Value;

        private bool At(int index, char c) => index < pattern.Length && pattern[index] == c;

        private static ConversionException Unsupported(string feature, int? offset) =>
            new(RegexFailureKind.Unsupported, offset is null ? $"unsupported regex feature: {feature}" : $"unsupported regex feature: {feature} at offset {offset}", offset);

        private static ConversionException Invalid(string problem, int? offset) =>
            new(RegexFailureKind.Invalid, offset is null ? $"invalid regex: {problem}" : $"invalid regex: {problem} at offset {offset}", offset);
    }
}
