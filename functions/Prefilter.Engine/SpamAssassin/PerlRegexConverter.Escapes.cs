using System.Globalization;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

public static partial class PerlRegexConverter
{
    // Escapes outside a class: shorthand classes, characters, backreferences and properties.
    private sealed partial class Translation
    {
        // Unicode general categories mean the same in Perl and .NET.
        private static readonly HashSet<string> GeneralCategories = new(StringComparer.Ordinal)
        {
            "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No",
            "P", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "S", "Sm", "Sc", "Sk", "So",
            "Z", "Zs", "Zl", "Zp", "C", "Cc", "Cf", "Cs", "Co", "Cn",
        };

        private static readonly Regex GForm = new(@"\\g(?:\{\s*(-?\d+)\s*\}|(-?\d+)|\{\s*([A-Za-z_]\w*)\s*\})", RegexOptions.CultureInvariant);

        private static readonly Regex KForm = new(@"\\[kg](?:<([A-Za-z_]\w*)>|'([A-Za-z_]\w*)'|\{\s*([A-Za-z_]\w*)\s*\})", RegexOptions.CultureInvariant);

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
    }
}
