using System.Text;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.SpamAssassin;

public static partial class PerlRegexConverter
{
    // Bracketed classes and their elements.
    private sealed partial class Translation
    {
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

        private static readonly Regex PosixClass = new(@"\[:(\^?)([a-z]+):\]", RegexOptions.CultureInvariant);

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
            ReadClassMembers(start, items, complements, astral);
            lastAtomStart = output.Length;
            if (astral.Count > 0)
            {
                WriteClassWithAstral(start, negated, items, complements, astral);
                return;
            }

            WriteClass(start, negated, items, complements);
        }

        // Up to the closing bracket: characters and ranges into items (or, above U+FFFF, into astral), sets into items or complements.
        private void ReadClassMembers(int start, StringBuilder items, List<string> complements, List<(int Low, int High)> astral)
        {
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
                    return;
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
        }

        // .NET matches UTF-16 units: a code point above U+FFFF is a surrogate pair, so such members become
        // alternatives "high surrogate, class of low surrogates".
        private void WriteClassWithAstral(int start, bool negated, StringBuilder items, List<string> complements, List<(int Low, int High)> astral)
        {
            if (negated)
            {
                throw Unsupported("code point above U+FFFF in a negated character class", start);
            }

            var alternatives = new List<string>();
            if (items.Length > 0)
            {
                alternatives.Add($"[{items}]");
            }

            alternatives.AddRange(complements.Select(set => $"[^{set}]"));
            alternatives.AddRange(SurrogateAlternatives(astral));
            output.Append("(?:").Append(string.Join('|', alternatives)).Append(')');
        }

        private void WriteClass(int start, bool negated, StringBuilder items, List<string> complements)
        {
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
            if (c == '[' && position + 1 < pattern.Length && pattern[position + 1] is ':' or '=' or '.' && TryPosixClass(classStart, complements, items))
            {
                return null;
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

            return ClassEscape(start, complements, items);
        }

        private bool TryPosixClass(int classStart, List<string> complements, StringBuilder items)
        {
            var posix = PosixClass.Match(pattern, position);
            if (!posix.Success || posix.Index != position)
            {
                return false;
            }

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

            return true;
        }

        /// <summary>Reads the escape at <paramref name="start"/> inside a class: its code point, or null after adding a set.</summary>
        private int? ClassEscape(int start, List<string> complements, StringBuilder items)
        {
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
    }
}
