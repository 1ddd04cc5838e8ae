using System.Globalization;

namespace Prefilter.Engine.Regexes;

/// <summary>
/// A parser of .NET regex syntax into <see cref="RegexNode"/> trees for the static checks. It runs only on
/// patterns that <see cref="System.Text.RegularExpressions.Regex"/> already accepted, so it does not report
/// syntax errors: the runtime's own parser does that.
/// </summary>
internal sealed class RegexSyntax
{
    private readonly string pattern;
    private int pos;
    private bool ignoreCase;
    private bool singleline;
    private bool extended;

    private RegexSyntax(string pattern) => this.pattern = pattern;

    public static RegexNode Parse(string pattern)
    {
        var parser = new RegexSyntax(pattern);
        var node = parser.ParseAlternation();
        if (parser.pos < pattern.Length)
        {
            // Only an unbalanced ')' stops early, which the runtime parser would have refused.
            throw new FormatException($"unexpected ')' at offset {parser.pos}");
        }

        return node;
    }

    private RegexNode ParseAlternation()
    {
        var start = this.pos;
        var savedOptions = (this.ignoreCase, this.singleline, this.extended);
        var branches = new List<RegexNode> { ParseConcat() };
        while (this.pos < this.pattern.Length && this.pattern[this.pos] == '|')
        {
            this.pos++;
            branches.Add(ParseConcat());
        }

        // Inline options such as (?i) last to the end of the enclosing group, across branches.
        (this.ignoreCase, this.singleline, this.extended) = savedOptions;
        if (branches.Count == 1)
        {
            return branches[0];
        }

        var node = new RegexNode(RegexNodeKind.Alternate, start) { End = this.pos };
        node.Children.AddRange(branches);
        return node;
    }

    private RegexNode ParseConcat()
    {
        var start = this.pos;
        var items = new List<RegexNode>();
        while (true)
        {
            SkipExtended();
            if (this.pos >= this.pattern.Length || this.pattern[this.pos] is '|' or ')')
            {
                break;
            }

            var atom = ParseAtom();
            if (atom is null)
            {
                continue;
            }

            items.Add(ParseQuantifier(atom));
        }

        if (items.Count == 1)
        {
            return items[0];
        }

        var node = new RegexNode(items.Count == 0 ? RegexNodeKind.Empty : RegexNodeKind.Concat, start) { End = this.pos };
        node.Children.AddRange(items);
        return node;
    }

    private RegexNode ParseQuantifier(RegexNode atom)
    {
        while (true)
        {
            SkipExtended();
            if (this.pos >= this.pattern.Length)
            {
                return atom;
            }

            int min, max;
            var c = this.pattern[this.pos];
            if (c == '*')
            {
                (min, max) = (0, RegexNode.Unbounded);
                this.pos++;
            }
            else if (c == '+')
            {
                (min, max) = (1, RegexNode.Unbounded);
                this.pos++;
            }
            else if (c == '?')
            {
                (min, max) = (0, 1);
                this.pos++;
            }
            else if (c == '{' && TryParseBraces(out min, out max))
            {
            }
            else
            {
                return atom;
            }

            if (this.pos < this.pattern.Length && this.pattern[this.pos] == '?')
            {
                this.pos++;
            }

            var loop = new RegexNode(RegexNodeKind.Loop, atom.Start) { Min = min, Max = max, End = this.pos };
            loop.Children.Add(atom);
            atom = loop;
        }
    }

    private bool TryParseBraces(out int min, out int max)
    {
        min = max = 0;
        var p = this.pos + 1;
        if (!TryNumber(ref p, out min))
        {
            return false;
        }

        if (p < this.pattern.Length && this.pattern[p] == '}')
        {
            max = min;
        }
        else if (p < this.pattern.Length && this.pattern[p] == ',')
        {
            p++;
            if (p < this.pattern.Length && this.pattern[p] == '}')
            {
                max = RegexNode.Unbounded;
            }
            else if (!TryNumber(ref p, out max) || p >= this.pattern.Length || this.pattern[p] != '}')
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        this.pos = p + 1;
        return true;
    }

    private bool TryNumber(ref int p, out int value)
    {
        var start = p;
        value = 0;
        while (p < this.pattern.Length && char.IsAsciiDigit(this.pattern[p]))
        {
            value = (int)Math.Min(int.MaxValue, value * 10L + (this.pattern[p] - '0'));
            p++;
        }

        return p > start;
    }

    private RegexNode? ParseAtom()
    {
        var start = this.pos;
        var c = this.pattern[this.pos++];
        switch (c)
        {
            case '(':
                return ParseGroup(start);
            case '[':
                return new RegexNode(RegexNodeKind.Set, start) { Set = ParseClass(), End = this.pos };
            case '.':
                return new RegexNode(RegexNodeKind.Set, start) { Set = CharSet.Any(this.singleline), End = this.pos };
            case '^':
            case '$':
                return new RegexNode(RegexNodeKind.Anchor, start) { Anchor = c, End = this.pos };
            case '\\':
                return ParseEscape(start);
            default:
                return new RegexNode(RegexNodeKind.Set, start) { Set = CharSet.Of(c, this.ignoreCase), End = this.pos };
        }
    }

    private RegexNode? ParseGroup(int start)
    {
        RegexNode node;
        if (this.pos < this.pattern.Length && this.pattern[this.pos] == '?')
        {
            this.pos++;
            var c = this.pattern[this.pos];
            switch (c)
            {
                case '#':
                    this.pos = this.pattern.IndexOf(')', this.pos) + 1;
                    return null;
                case ':':
                    this.pos++;
                    node = new RegexNode(RegexNodeKind.Group, start);
                    break;
                case '=':
                case '!':
                    this.pos++;
                    node = new RegexNode(RegexNodeKind.Lookaround, start) { Negated = c == '!' };
                    break;
                case '>':
                    this.pos++;
                    node = new RegexNode(RegexNodeKind.Atomic, start);
                    break;
                case '(':
                    return ParseConditional(start);
                case '<' when this.pos + 1 < this.pattern.Length && this.pattern[this.pos + 1] is '=' or '!':
                    node = new RegexNode(RegexNodeKind.Lookaround, start) { Behind = true, Negated = this.pattern[this.pos + 1] == '!' };
                    this.pos += 2;
                    break;
                case '<':
                case '\'':
                    // Named (or balancing) group: skip the name.
                    var close = c == '<' ? '>' : '\'';
                    this.pos = this.pattern.IndexOf(close, this.pos + 1) + 1;
                    node = new RegexNode(RegexNodeKind.Group, start);
                    break;
                default:
                    if (ParseInlineOptions(out var scoped))
                    {
                        if (!scoped)
                        {
                            return null;
                        }

                        var saved = (this.ignoreCase, this.singleline, this.extended);
                        node = new RegexNode(RegexNodeKind.Group, start);
                        node.Children.Add(ParseAlternation());
                        (this.ignoreCase, this.singleline, this.extended) = saved;
                        this.pos++;
                        node.End = this.pos;
                        return node;
                    }

                    node = new RegexNode(RegexNodeKind.Group, start);
                    break;
            }
        }
        else
        {
            node = new RegexNode(RegexNodeKind.Group, start);
        }

        var options = (this.ignoreCase, this.singleline, this.extended);
        node.Children.Add(ParseAlternation());
        (this.ignoreCase, this.singleline, this.extended) = options;
        this.pos++; // ')'
        node.End = this.pos;
        return node;
    }

    // (?imnsx-imnsx) or (?imnsx-imnsx: ... ); returns false when the text is not an option group.
    private bool ParseInlineOptions(out bool scoped)
    {
        scoped = false;
        var p = this.pos;
        var on = true;
        var (ignoreCase, singleline, extended) = (this.ignoreCase, this.singleline, this.extended);
        while (p < this.pattern.Length)
        {
            var c = this.pattern[p];
            switch (c)
            {
                case '-':
                    on = false;
                    break;
                case 'i':
                    ignoreCase = on;
                    break;
                case 's':
                    singleline = on;
                    break;
                case 'x':
                    extended = on;
                    break;
                case 'm':
                case 'n':
                    break;
                case ')':
                case ':':
                    (this.ignoreCase, this.singleline, this.extended) = (ignoreCase, singleline, extended);
                    scoped = c == ':';
                    this.pos = p + 1;
                    return true;
                default:
                    return false;
            }

            p++;
        }

        return false;
    }

    private RegexNode ParseConditional(int start)
    {
        // (?(name)yes|no) or (?(expression)yes|no): the condition is kept as a child so the checks see it.
        var node = new RegexNode(RegexNodeKind.Conditional, start);
        this.pos++; // '('
        var options = (this.ignoreCase, this.singleline, this.extended);
        node.Children.Add(ParseAlternation());
        this.pos++; // ')'
        node.Children.Add(ParseAlternation());
        (this.ignoreCase, this.singleline, this.extended) = options;
        this.pos++; // ')'
        node.End = this.pos;
        return node;
    }

    private RegexNode ParseEscape(int start)
    {
        var c = this.pattern[this.pos++];
        switch (c)
        {
            case 'b':
            case 'B':
            case 'A':
            case 'z':
            case 'Z':
            case 'G':
                return new RegexNode(RegexNodeKind.Anchor, start) { Anchor = c, End = this.pos };
            case 'k':
                var close = this.pattern[this.pos] == '<' ? '>' : '\'';
                this.pos = this.pattern.IndexOf(close, this.pos + 1) + 1;
                return new RegexNode(RegexNodeKind.Backreference, start) { End = this.pos };
            case >= '1' and <= '9':
                while (this.pos < this.pattern.Length && char.IsAsciiDigit(this.pattern[this.pos]))
                {
                    this.pos++;
                }

                return new RegexNode(RegexNodeKind.Backreference, start) { End = this.pos };
            default:
                this.pos--;
                var set = CharSet.Empty();
                AddEscape(set);
                return new RegexNode(RegexNodeKind.Set, start) { Set = set, End = this.pos };
        }
    }

    // Reads one escape after '\' (at this.pos) into the set, as a single character or a class.
    private void AddEscape(CharSet set) => AddEscapeChar(set, out _);

    private void AddEscapeChar(CharSet set, out char? single)
    {
        single = null;
        var c = this.pattern[this.pos++];
        switch (c)
        {
            case 'w':
            case 'W':
            case 'd':
            case 'D':
            case 's':
            case 'S':
                set.AddEscapeClass(c);
                return;
            case 'p':
            case 'P':
                this.pos = this.pattern.IndexOf('}', this.pos) + 1;
                set.UnionWith(CharSet.Any(true));
                return;
            case 'n':
                single = '\n';
                break;
            case 'r':
                single = '\r';
                break;
            case 't':
                single = '\t';
                break;
            case 'f':
                single = '\f';
                break;
            case 'v':
                single = '\v';
                break;
            case 'e':
                single = '\u001B';
                break;
            case 'a':
                single = '\u0007';
                break;
            case 'b':
                // Inside a class \b is backspace.
                single = '\b';
                break;
            case 'x':
                single = (char)int.Parse(this.pattern.AsSpan(this.pos, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                this.pos += 2;
                break;
            case 'u':
                single = (char)int.Parse(this.pattern.AsSpan(this.pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                this.pos += 4;
                break;
            case 'c':
                single = (char)(char.ToUpperInvariant(this.pattern[this.pos++]) ^ 0x40);
                break;
            case >= '0' and <= '7':
                var value = c - '0';
                for (var i = 0; i < 2 && this.pos < this.pattern.Length && this.pattern[this.pos] is >= '0' and <= '7'; i++)
                {
                    value = value * 8 + (this.pattern[this.pos++] - '0');
                }

                single = (char)value;
                break;
            default:
                single = c;
                break;
        }

        set.Add(single.Value, this.ignoreCase);
    }

    private CharSet ParseClass()
    {
        var set = CharSet.Empty();
        var negated = this.pos < this.pattern.Length && this.pattern[this.pos] == '^';
        if (negated)
        {
            this.pos++;
        }

        var first = true;
        while (this.pos < this.pattern.Length)
        {
            var c = this.pattern[this.pos];
            if (c == ']' && !first)
            {
                this.pos++;
                break;
            }

            first = false;
            if (c == '-' && this.pos + 1 < this.pattern.Length && this.pattern[this.pos + 1] == '[')
            {
                // Subtraction [a-z-[aeiou]]: kept as the wider base set, which only widens.
                this.pos += 2;
                ParseClass();
                continue;
            }

            char? low;
            if (c == '\\')
            {
                this.pos++;
                AddEscapeChar(set, out low);
            }
            else
            {
                this.pos++;
                low = c;
            }

            if (low is { } from && this.pos + 1 < this.pattern.Length && this.pattern[this.pos] == '-' && this.pattern[this.pos + 1] != ']' && this.pattern[this.pos + 1] != '[')
            {
                this.pos++;
                char to;
                if (this.pattern[this.pos] == '\\')
                {
                    this.pos++;
                    var scratch = CharSet.Empty();
                    AddEscapeChar(scratch, out var high);
                    to = high ?? from;
                }
                else
                {
                    to = this.pattern[this.pos++];
                }

                set.AddRange(from, to, this.ignoreCase);
            }
            else if (low is { } only && c != '\\')
            {
                set.Add(only, this.ignoreCase);
            }
        }

        if (negated)
        {
            set.Complement();
        }

        return set;
    }

    private void SkipExtended()
    {
        if (!this.extended)
        {
            return;
        }

        while (this.pos < this.pattern.Length)
        {
            var c = this.pattern[this.pos];
            if (char.IsWhiteSpace(c))
            {
                this.pos++;
            }
            else if (c == '#')
            {
                var end = this.pattern.IndexOf('\n', this.pos);
                this.pos = end < 0 ? this.pattern.Length : end + 1;
            }
            else
            {
                break;
            }
        }
    }
}
