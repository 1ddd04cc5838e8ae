using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>
/// Converts a Perl regular expression, as SpamAssassin compiles it, into a .NET pattern with the same meaning.
/// </summary>
/// <remarks>
/// <para>
/// SpamAssassin compiles every rule with <c>qr/…/aa</c>, so <c>\d \w \s</c> and the POSIX classes are ASCII-only;
/// they become explicit ASCII classes here. <c>\b</c> and <c>\B</c> stay .NET's (Unicode word characters): an exact
/// ASCII boundary needs lookarounds, which would keep otherwise linear rules out of the non-backtracking engine.
/// </para>
/// <para>
/// <c>\xNN</c> stays the character U+00NN. SpamAssassin matches rules on octets (text re-encoded as UTF-8), so a rule
/// that spells a non-ASCII letter as UTF-8 bytes (<c>[\xc3][\xa9]</c>) keeps that meaning only where the scanner
/// presents each octet as one character.
/// </para>
/// <para>
/// Refused, with the feature and its offset: <c>\K</c>, <c>\X</c>, <c>\C</c>, branch reset <c>(?|…)</c>, recursion,
/// embedded code, backtracking verbs, <c>\N{name}</c>, Unicode properties .NET lacks, negated POSIX or shorthand classes
/// that cannot be written in one .NET class. Escapes that Perl only knows in source code (<c>\Q \E \U \L \u \l</c>) and
/// unknown letter escapes are refused because SpamAssassin itself rejects such rules.
/// </para>
/// </remarks>
public static class PerlRegexConverter
{
    /// <summary>Converts <paramref name="perlPattern"/> (without delimiters) compiled with <paramref name="modifiers"/>.</summary>
    /// <param name="perlPattern">The pattern between the delimiters.</param>
    /// <param name="modifiers">Modifier letters after the closing delimiter, e.g. <c>i</c> or <c>si</c>.</param>
    /// <param name="dotNetPattern">The .NET pattern, options inline (e.g. <c>(?i)</c>); verified to construct.</param>
    /// <param name="failure">Why the pattern cannot be converted, with the offset in <paramref name="perlPattern"/> when known.</param>
    /// <returns>True when converted.</returns>
    /// <exception cref="ArgumentNullException">When an argument is null.</exception>
    public static bool TryConvert(
        string perlPattern,
        string modifiers,
        [NotNullWhen(true)] out string? dotNetPattern,
        [NotNullWhen(false)] out RegexConversionFailure? failure)
    {
        ArgumentNullException.ThrowIfNull(perlPattern);
        ArgumentNullException.ThrowIfNull(modifiers);
        dotNetPattern = null;
        try
        {
            var converted = new Translation(perlPattern, modifiers).Run();
            _ = new Regex(converted, RegexOptions.None, Regex.InfiniteMatchTimeout);
            dotNetPattern = converted;
            failure = null;
            return true;
        }
        catch (ConversionException e)
        {
            failure = new RegexConversionFailure(e.Kind, e.Message, e.Offset);
            return false;
        }
        catch (ArgumentException e)
        {
            failure = new RegexConversionFailure(RegexFailureKind.NotConstructible, $"the converted regex does not construct in .NET: {e.Message}", null);
            return false;
        }
    }

    private sealed class ConversionException(RegexFailureKind kind, string message, int? offset) : Exception(message)
    {
        public RegexFailureKind Kind { get; } = kind;

        public int? Offset { get; } = offset;
    }

    private sealed record GroupFrame(int OutputStart, bool ExtendedBefore);

    /// <summary>One conversion: a single left-to-right pass that writes .NET syntax as it reads Perl syntax.</summary>
    private sealed class Translation(string pattern, string modifiers)
    {
        private const string Word = "a-zA-Z0-9_";
        private const string Digit = "0-9";
        private const string Space = "\\t\\n\\x0B\\f\\r ";
        private const string HorizontalSpace = "\\t \\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000";
        private const string VerticalSpace = "\\n\\x0B\\f\\r\\x85\\u2028\\u2029";

        private static readonly Dictionary<string, string> PosixClasses = new(StringComparer.Ordinal)
        {
            ["alpha"] = "a-zA-Z",
            ["digit"] = Digit,
            ["alnum"] = "a-zA-Z0-9",
            ["upper"] = "A-Z",
            ["lower"] = "a-z",
            ["space"] = Space,
            ["blank"] = "\\t ",
            ["punct"] = "!-/:-@\\[-`{-~",
            ["xdigit"] = "0-9A-Fa-f",
            ["word"] = Word,
            ["cntrl"] = "\\x00-\\x1F\\x7F",
            ["print"] = "\\x20-\\x7E",
            ["graph"] = "\\x21-\\x7E",
            ["ascii"] = "\\x00-\\x7F",
        };

        // Unicode general categories mean the same in Perl and .NET.
        private static readonly HashSet<string> GeneralCategories = new(StringComparer.Ordinal)
        {
            "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
            "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So",
            "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co", "Cn",
        };

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

        // Perl 5.34+: {n}, {n,}, {n,m} and {,m}, blanks allowed inside the braces.
        private static readonly Regex BraceQuantifier = new(@"\{\s*(\d*)\s*(?:,\s*(\d*)\s*)?\}", RegexOptions.CultureInvariant);

        private void OpenGroup()
        {
            var start = position;
            if (At(start + 1, '*'))
            {
                throw Unsupported("backtracking control verb (*…)", start);
            }

            if (!At(start + 1, '?'))
            {
                PushGroup("(");
                capturesOpened++;
                position++;
                return;
            }

            var rest = pattern.AsSpan(start + 2);
            if (rest.StartsWith("#"))
            {
                var end = pattern.IndexOf(')', start);
                if (end < 0)
                {
                    throw Invalid("unterminated (?#…) comment", start);
                }

                position = end + 1;
                return;
            }

            if (rest.StartsWith(":") || rest.StartsWith("=") || rest.StartsWith("!") || rest.StartsWith(">"))
            {
                PushGroup(pattern.Substring(start, 3));
                position += 3;
                return;
            }

            if (rest.StartsWith("<=") || rest.StartsWith("<!"))
            {
                PushGroup(pattern.Substring(start, 4));
                position += 4;
                return;
            }

            if (rest.StartsWith("|"))
            {
                throw Unsupported("branch reset (?|…)", start);
            }

            if (rest.StartsWith("{") || rest.StartsWith("?{"))
            {
                throw Invalid("embedded code (?{…})", start);
            }

            if (rest.StartsWith("P=") || rest.StartsWith("P>") || rest.StartsWith("&") || rest.StartsWith("R)")
                || (rest.Length > 0 && (char.IsAsciiDigit(rest[0]) || ((rest[0] == '+' || rest[0] == '-') && rest.Length > 1 && char.IsAsciiDigit(rest[1])))))
            {
                if (rest.StartsWith("P="))
                {
                    var close = pattern.IndexOf(')', start);
                    if (close < 0)
                    {
                        throw Invalid("unterminated (?P=name)", start);
                    }

                    lastAtomStart = output.Length;
                    output.Append("\\k<").Append(pattern, start + 4, close - start - 4).Append('>');
                    position = close + 1;
                    return;
                }

                throw Unsupported("recursion or subroutine call", start);
            }

            var named = NamedGroup.Match(pattern, start);
            if (named.Success && named.Index == start)
            {
                PushGroup($"(?<{FirstSuccessful(named)}>");
                capturesOpened++;
                position += named.Length;
                return;
            }

            if (rest.StartsWith("("))
            {
                Conditional(start);
                return;
            }

            InlineModifiers(start);
        }

        private static readonly Regex NamedGroup = new(@"\(\?(?:P?<([A-Za-z_][A-Za-z0-9_]*)>|'([A-Za-z_][A-Za-z0-9_]*)')", RegexOptions.CultureInvariant);

        private void Conditional(int start)
        {
            var condition = ConditionByNumber.Match(pattern, start);
            if (condition.Success && condition.Index == start)
            {
                PushGroup($"(?({FirstSuccessful(condition)})");
                position += condition.Length;
                return;
            }

            if (pattern.AsSpan(start + 3).StartsWith("?"))
            {
                // A lookaround condition: open the conditional here, the lookaround parses as its own group.
                PushGroup("(?");
                position += 2;
                return;
            }

            throw Unsupported("conditional on recursion or DEFINE", start);
        }

        private static readonly Regex ConditionByNumber = new(@"\(\?\((?:(\d+)|<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)')\)", RegexOptions.CultureInvariant);

        private void InlineModifiers(int start)
        {
            var i = start + 2;
            var on = new StringBuilder();
            var off = new StringBuilder();
            var negate = false;
            var xOn = false;
            var xOff = false;
            var caret = false;
            for (; i < pattern.Length && pattern[i] != ':' && pattern[i] != ')'; i++)
            {
                var m = pattern[i];
                switch (m)
                {
                    case '^' when i == start + 2:
                        caret = true;
                        break;
                    case '-' when !negate:
                        negate = true;
                        break;
                    case 'i' or 'm' or 's' or 'n':
                        (negate ? off : on).Append(m);
                        break;
                    case 'x':
                        if (negate)
                        {
                            xOff = true;
                        }
                        else
                        {
                            xOn = true;
                        }

                        break;
                    case 'a' or 'p':
                        break;
                    case 'u' or 'l' or 'd':
                        throw Unsupported($"charset modifier (?{m})", start);
                    default:
                        throw Invalid($"unknown group construct (?{m}", start);
                }
            }

            if (i >= pattern.Length)
            {
                throw Invalid("unterminated (? group", start);
            }

            if (caret)
            {
                // (?^…) resets to the defaults, then applies what follows the caret.
                foreach (var m in "imsn")
                {
                    if (on.ToString().IndexOf(m) < 0 && off.ToString().IndexOf(m) < 0)
                    {
                        off.Append(m);
                    }
                }

                xOff = !xOn;
            }

            var flags = on.ToString() + (off.Length > 0 ? "-" + off : string.Empty);
            var newExtended = xOn || (!xOff && extended);
            if (pattern[i] == ')')
            {
                if (flags.Length > 0)
                {
                    output.Append("(?").Append(flags).Append(')');
                }

                extended = newExtended;
                lastAtomStart = -1;
                position = i + 1;
                return;
            }

            PushGroup(flags.Length > 0 ? $"(?{flags}:" : "(?:");
            extended = newExtended;
            position = i + 1;
        }

        private void PushGroup(string opening)
        {
            groups.Push(new GroupFrame(output.Length, extended));
            output.Append(opening);
            lastAtomStart = -1;
        }

        private void EscapeOutsideClass()
        {
            var start = position;
            if (start + 1 >= pattern.Length)
            {
                throw Invalid("trailing \\ in regex", start);
            }

            var e = pattern[start + 1];
            position = start + 2;
            switch (e)
            {
                case 'd': Atom($"[{Digit}]"); return;
                case 'D': Atom($"[^{Digit}]"); return;
                case 'w': Atom($"[{Word}]"); return;
                case 'W': Atom($"[^{Word}]"); return;
                case 's': Atom($"[{Space}]"); return;
                case 'S': Atom($"[^{Space}]"); return;
                case 'h': Atom($"[{HorizontalSpace}]"); return;
                case 'H': Atom($"[^{HorizontalSpace}]"); return;
                case 'v': Atom($"[{VerticalSpace}]"); return;
                case 'V': Atom($"[^{VerticalSpace}]"); return;
                case 'R': Atom($"(?>\\r\\n|[{VerticalSpace}])"); return;
                case 'b' or 'B' or 'A' or 'z' or 'Z' or 'G':
                    lastAtomStart = output.Length;
                    output.Append('\\').Append(e);
                    return;
                case 'N':
                    if (At(position, '{'))
                    {
                        AppendCodePoint(NamedCharacter(start));
                    }
                    else
                    {
                        Atom("[^\\n]");
                    }

                    return;
                case 'K': throw Unsupported("\\K (keep)", start);
                case 'X': throw Unsupported("\\X (grapheme cluster)", start);
                case 'C': throw Unsupported("\\C (single octet)", start);
                case 'g': GReference(start); return;
                case 'k': NamedBackreference(start); return;
                case 'p' or 'P': Atom(Property(e, start)); return;
                case >= '1' and <= '9': DigitEscapeOutsideClass(start); return;
                default:
                    if (TryCharacterEscape(e, start, out var codePoint))
                    {
                        AppendCodePoint(codePoint);
                        return;
                    }

                    throw UnknownEscape(e, start);
            }
        }

        private void Atom(string text)
        {
            lastAtomStart = output.Length;
            output.Append(text);
        }

        /// <summary>Escapes that denote one character, the same inside and outside classes (except <c>\b</c>, handled by callers).</summary>
        private bool TryCharacterEscape(char e, int start, out int codePoint)
        {
            codePoint = 0;
            switch (e)
            {
                case 'a': codePoint = 0x07; return true;
                case 'e': codePoint = 0x1B; return true;
                case 'f': codePoint = 0x0C; return true;
                case 'n': codePoint = 0x0A; return true;
                case 'r': codePoint = 0x0D; return true;
                case 't': codePoint = 0x09; return true;
                case 'x': codePoint = Hex(start); return true;
                case 'o': codePoint = BracedOctal(start); return true;
                case '0': codePoint = Octal(start, 2); return true;
                case 'c':
                    if (position >= pattern.Length)
                    {
                        throw Invalid("\\c at end of regex", start);
                    }

                    codePoint = char.ToUpperInvariant(pattern[position]) ^ 0x40;
                    position++;
                    return true;
                default:
                    // Perl reads an escaped non-alphanumeric character (and "\_") as itself.
                    if (!char.IsAsciiLetterOrDigit(e))
                    {
                        codePoint = e;
                        return true;
                    }

                    return false;
            }
        }

        private ConversionException UnknownEscape(char e, int start) => e switch
        {
            'Q' or 'E' or 'U' or 'L' or 'u' or 'l' =>
                Invalid($"\\{e} is not a regex escape (Perl applies it only in source code; SpamAssassin rejects the rule)", start),
            _ => Invalid($"unrecognized escape \\{e} (SpamAssassin rejects the rule)", start),
        };

        private int Hex(int start)
        {
            if (At(position, '{'))
            {
                var close = pattern.IndexOf('}', position);
                if (close < 0)
                {
                    throw Invalid("unterminated \\x{…}", start);
                }

                var digits = pattern.Substring(position + 1, close - position - 1).Trim().Replace("_", string.Empty, StringComparison.Ordinal);
                position = close + 1;
                if (digits.Length == 0)
                {
                    return 0;
                }

                if (!int.TryParse(digits, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value) || value > 0x10FFFF)
                {
                    throw Invalid($"invalid \\x{{{digits}}}", start);
                }

                return value;
            }

            var count = 0;
            var result = 0;
            while (count < 2 && position < pattern.Length && char.IsAsciiHexDigit(pattern[position]))
            {
                result = (result * 16) + Convert.ToInt32(pattern[position].ToString(), 16);
                position++;
                count++;
            }

            return result;
        }

        private int BracedOctal(int start)
        {
            if (!At(position, '{'))
            {
                throw Invalid("\\o without {…}", start);
            }

            var close = pattern.IndexOf('}', position);
            if (close < 0)
            {
                throw Invalid("unterminated \\o{…}", start);
            }

            var digits = pattern.Substring(position + 1, close - position - 1).Trim();
            position = close + 1;
            var value = 0;
            foreach (var d in digits)
            {
                if (d is < '0' or > '7')
                {
                    throw Invalid($"invalid \\o{{{digits}}}", start);
                }

                value = (value * 8) + (d - '0');
            }

            return value;
        }

        /// <summary>Reads up to <paramref name="more"/> further octal digits after one already consumed.</summary>
        private int Octal(int start, int more)
        {
            var value = pattern[start + 1] - '0';
            for (var n = 0; n < more && position < pattern.Length && pattern[position] is >= '0' and <= '7'; n++)
            {
                value = (value * 8) + (pattern[position] - '0');
                position++;
            }

            return value;
        }

        private int NamedCharacter(int start)
        {
            var close = pattern.IndexOf('}', position);
            if (close < 0)
            {
                throw Invalid("unterminated \\N{…}", start);
            }

            var name = pattern.Substring(position + 1, close - position - 1).Trim();
            position = close + 1;
            if (name.StartsWith("U+", StringComparison.OrdinalIgnoreCase)
                && int.TryParse(name.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var value)
                && value <= 0x10FFFF)
            {
                return value;
            }

            throw Unsupported($"named character \\N{{{name}}}", start);
        }

        private void DigitEscapeOutsideClass(int start)
        {
            var end = position;
            while (end < pattern.Length && char.IsAsciiDigit(pattern[end]))
            {
                end++;
            }

            var digits = pattern.Substring(start + 1, end - start - 1);
            var number = int.Parse(digits, CultureInfo.InvariantCulture);

            // Perl: \1-\9 are always back-references; \10 and up only if that many groups exist, else octal.
            if (number <= 9 || number <= captureCount)
            {
                position = end;
                Backreference(number, start);
                return;
            }

            if (pattern[start + 1] is >= '0' and <= '7')
            {
                AppendCodePoint(Octal(start, 2));
                return;
            }

            throw Invalid($"reference to nonexistent group \\{digits}", start);
        }

        private void Backreference(int number, int start)
        {
            if (number < 1)
            {
                throw Invalid("reference to group 0", start);
            }

            lastAtomStart = output.Length;
            output.Append('\\').Append(number.ToString(CultureInfo.InvariantCulture));
            if (position < pattern.Length && char.IsAsciiDigit(pattern[position]))
            {
                // Keep a following literal digit from joining the group number.
                output.Append("(?:)");
            }
        }

        private void GReference(int start)
        {
            var match = GForm.Match(pattern, start);
            if (!match.Success || match.Index != start)
            {
                throw Invalid("malformed \\g reference", start);
            }

            if (match.Groups[3].Success)
            {
                NamedBackreference(start);
                return;
            }

            position = start + match.Length;
            var digits = match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value;
            var number = int.Parse(digits, CultureInfo.InvariantCulture);
            Backreference(number < 0 ? capturesOpened + number + 1 : number, start);
        }

        private static readonly Regex GForm = new(@"\\g(?:\{\s*(-?\d+)\s*\}|(-?\d+)|\{\s*([A-Za-z_]\w*)\s*\})", RegexOptions.CultureInvariant);

        private void NamedBackreference(int start)
        {
            var match = KForm.Match(pattern, start);
            if (!match.Success || match.Index != start)
            {
                throw Invalid("malformed named back-reference", start);
            }

            position = start + match.Length;
            Atom($"\\k<{FirstSuccessful(match)}>");
        }

        private static readonly Regex KForm = new(@"\\[kg](?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|\{\s*([A-Za-z_]\w*)\s*\})", RegexOptions.CultureInvariant);

        private string Property(char letter, int start)
        {
            string name;
            if (At(position, '{'))
            {
                var close = pattern.IndexOf('}', position);
                if (close < 0)
                {
                    throw Invalid($"unterminated \\{letter}{{…}}", start);
                }

                name = pattern.Substring(position + 1, close - position - 1).Trim();
                position = close + 1;
            }
            else if (position < pattern.Length)
            {
                name = pattern[position].ToString();
                position++;
            }
            else
            {
                throw Invalid($"\\{letter} at end of regex", start);
            }

            var negated = letter == 'P';
            if (name.StartsWith('^'))
            {
                negated = !negated;
                name = name[1..];
            }

            if (!GeneralCategories.Contains(name))
            {
                throw Unsupported($"Unicode property \\{letter}{{{name}}} (.NET has only general categories with the same meaning)", start);
            }

            return $"\\{(negated ? 'P' : 'p')}{{{name}}}";
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

        /// <summary>
        /// A bracketed class. Positive ASCII sets (\d, [:alpha:], …) are written inline; negated ones (\W, [:^alpha:]) cannot
        /// be, so a class holding one is rewritten: an alternation when the class is positive, a subtraction when negated.
        /// </summary>
        private void CharacterClass()
        {
            var start = position;
            position++;
            var negated = At(position, '^');
            if (negated)
            {
                position++;
            }

            var items = new StringBuilder();
            var complements = new List<string>();
            var astral = new List<(int Low, int High)>();
            var first = true;
            while (true)
            {
                if (position >= pattern.Length)
                {
                    throw Invalid("unmatched [ in regex", start);
                }

                var c = pattern[position];
                if (c == ']' && !first)
                {
                    position++;
                    break;
                }

                first = false;
                var element = ClassElement(start, complements, items);
                if (element is not int low)
                {
                    if (At(position, '-') && position + 1 < pattern.Length && pattern[position + 1] != ']')
                    {
                        throw Invalid("false [] range (SpamAssassin rejects the rule)", position);
                    }

                    continue;
                }

                if (At(position, '-') && position + 1 < pattern.Length && pattern[position + 1] != ']')
                {
                    var rangeAt = position;
                    position++;
                    var high = ClassElement(start, complements, items);
                    if (high is not int highChar)
                    {
                        throw Invalid("false [] range (SpamAssassin rejects the rule)", rangeAt);
                    }

                    if (highChar > 0xFFFF)
                    {
                        astral.Add((Math.Max(low, 0x10000), highChar));
                        if (low <= 0xFFFF)
                        {
                            items.Append(EscapeForClass(low)).Append('-').Append(EscapeForClass(0xFFFF));
                        }

                        continue;
                    }

                    items.Append(EscapeForClass(low)).Append('-').Append(EscapeForClass(highChar));
                    continue;
                }

                if (low > 0xFFFF)
                {
                    astral.Add((low, low));
                    continue;
                }

                items.Append(EscapeForClass(low));
            }

            lastAtomStart = output.Length;
            if (astral.Count > 0)
            {
                if (negated)
                {
                    throw Unsupported("code point above U+FFFF in a negated character class", start);
                }

                // .NET matches UTF-16 units: a code point above U+FFFF is a surrogate pair, so such members become
                // alternatives "high surrogate, class of low surrogates".
                var alternatives = new List<string>();
                if (items.Length > 0)
                {
                    alternatives.Add($"[{items}]");
                }

                alternatives.AddRange(complements.Select(set => $"[^{set}]"));
                alternatives.AddRange(SurrogateAlternatives(astral));
                output.Append("(?:").Append(string.Join('|', alternatives)).Append(')');
                return;
            }

            if (complements.Count == 0)
            {
                output.Append('[').Append(negated ? "^" : string.Empty).Append(items).Append(']');
                return;
            }

            if (!negated && items.Length == 0 && complements.Count == 1)
            {
                output.Append("[^").Append(complements[0]).Append(']');
                return;
            }

            if (!negated)
            {
                // Members ∪ ¬A ∪ ¬B …
                var alternatives = new List<string>();
                if (items.Length > 0)
                {
                    alternatives.Add($"[{items}]");
                }

                alternatives.AddRange(complements.Select(set => $"[^{set}]"));
                output.Append("(?:").Append(string.Join('|', alternatives)).Append(')');
                return;
            }

            if (complements.Count > 1)
            {
                throw Unsupported("negated class with more than one negated shorthand or POSIX class", start);
            }

            // ¬(Members ∪ ¬A) = A − Members.
            output.Append('[').Append(complements[0]);
            if (items.Length > 0)
            {
                output.Append("-[").Append(items).Append(']');
            }

            output.Append(']');
        }

        private static IEnumerable<string> SurrogateAlternatives(List<(int Low, int High)> ranges)
        {
            var byHigh = new SortedDictionary<int, List<(int Low, int High)>>();
            foreach (var (low, high) in ranges)
            {
                for (var cp = low; cp <= high;)
                {
                    var highSurrogate = 0xD800 + ((cp - 0x10000) >> 10);
                    var blockEnd = Math.Min(high, 0x10000 + (((highSurrogate - 0xD800) + 1) << 10) - 1);
                    if (!byHigh.TryGetValue(highSurrogate, out var lows))
                    {
                        byHigh[highSurrogate] = lows = [];
                    }

                    lows.Add((0xDC00 + ((cp - 0x10000) & 0x3FF), 0xDC00 + ((blockEnd - 0x10000) & 0x3FF)));
                    cp = blockEnd + 1;
                }
            }

            foreach (var (highSurrogate, lows) in byHigh)
            {
                var members = string.Concat(lows.Order().Select(r => r.Low == r.High ? $"\\u{r.Low:X4}" : $"\\u{r.Low:X4}-\\u{r.High:X4}"));
                yield return $"\\u{highSurrogate:X4}[{members}]";
            }
        }

        /// <summary>Reads one class element: returns its code point, or null after adding a set to <paramref name="items"/> / <paramref name="complements"/>.</summary>
        private int? ClassElement(int classStart, List<string> complements, StringBuilder items)
        {
            var c = pattern[position];
            if (c == '[' && position + 1 < pattern.Length && pattern[position + 1] is ':' or '=' or '.')
            {
                var posix = PosixClass.Match(pattern, position);
                if (posix.Success && posix.Index == position)
                {
                    position += posix.Length;
                    var name = posix.Groups[2].Value;
                    if (!PosixClasses.TryGetValue(name, out var members))
                    {
                        throw Invalid($"POSIX class [:{name}:] unknown", classStart);
                    }

                    if (posix.Groups[1].Value == "^")
                    {
                        complements.Add(members);
                    }
                    else
                    {
                        items.Append(members);
                    }

                    return null;
                }
            }

            if (c != '\\')
            {
                position++;
                if (char.IsHighSurrogate(c) && position < pattern.Length && char.IsLowSurrogate(pattern[position]))
                {
                    position++;
                    return char.ConvertToUtf32(c, pattern[position - 1]);
                }

                return c;
            }

            var start = position;
            if (start + 1 >= pattern.Length)
            {
                throw Invalid("trailing \\ in regex", start);
            }

            var e = pattern[start + 1];
            position = start + 2;
            switch (e)
            {
                case 'd': items.Append(Digit); return null;
                case 'w': items.Append(Word); return null;
                case 's': items.Append(Space); return null;
                case 'h': items.Append(HorizontalSpace); return null;
                case 'v': items.Append(VerticalSpace); return null;
                case 'D': complements.Add(Digit); return null;
                case 'W': complements.Add(Word); return null;
                case 'S': complements.Add(Space); return null;
                case 'H': complements.Add(HorizontalSpace); return null;
                case 'V': complements.Add(VerticalSpace); return null;
                case 'p' or 'P': items.Append(Property(e, start)); return null;
                case 'b': return 0x08;
                case 'N':
                    if (At(position, '{'))
                    {
                        return NamedCharacter(start);
                    }

                    throw Unsupported("\\N in a character class", start);
                case >= '1' and <= '7':
                    // Inside a class digits are always octal.
                    return Octal(start, 2);
                case '8' or '9':
                    throw Invalid($"unrecognized escape \\{e} in character class (SpamAssassin rejects the rule)", start);
                default:
                    if (TryCharacterEscape(e, start, out var codePoint))
                    {
                        return codePoint;
                    }

                    throw UnknownEscape(e, start);
            }
        }

        private static readonly Regex PosixClass = new(@"\[:(\^?)([a-z]+):\]", RegexOptions.CultureInvariant);

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

/// <summary>Why a Perl regex was not converted.</summary>
/// <param name="Kind">The class of failure.</param>
/// <param name="Reason">Plain-language reason, naming the feature and its offset.</param>
/// <param name="Offset">Offset in the Perl pattern (between the delimiters) when known.</param>
public sealed record RegexConversionFailure(RegexFailureKind Kind, string Reason, int? Offset);

/// <summary>Classes of <see cref="RegexConversionFailure"/>.</summary>
public enum RegexFailureKind
{
    /// <summary>Valid Perl with no .NET equivalent (e.g. <c>\K</c>, recursion).</summary>
    Unsupported,

    /// <summary>Perl (or SpamAssassin's rule compiler) rejects the pattern too.</summary>
    Invalid,

    /// <summary>The converted pattern does not construct in .NET.</summary>
    NotConstructible,
}
