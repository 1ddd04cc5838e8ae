using System.Globalization;

namespace Prefilter.Engine.Regexes;

/// <summary>
/// A parser of .NET regex syntax into <see cref="RegexNode"/> trees for the static checks. It runs only on
/// patterns that <see cref="System.Text.RegularExpressions.Regex"/> already accepted, so it does not report
/// syntax errors: the runtime's own parser does that.
/// </summary>
internal sealed class RegexSyntax
{
    private readonly string _pattern;
    private int _pos;
    private bool _ignoreCase;
    private bool _singleline;
    private bool _extended;

    private RegexSyntax(string pattern) => _pattern = pattern;

    public static RegexNode Parse(string pattern)
    {
        var parser = new RegexSyntax(pattern);
        var node = parser.ParseAlternation();
        if (parser._pos < pattern.Length)
        {
            // Only an unbalanced ')' stops early, which the runtime parser would have refused.
            throw new FormatException($"unexpected ')' at offset {parser._pos}");
        }

        return node;
    }

    private RegexNode ParseAlternation()
    {
        var start = _pos;
        var savedOptions = (_ignoreCase, _singleline, _extended);
        var branches = new List<RegexNode> { ParseConcat() };
        while (_pos < _pattern.Length && _pattern[_pos] == '|')
        {
            _pos++;
            branches.Add(ParseConcat());
        }

        // Inline options such as (?i) last to the end of the enclosing group, across branches.
        (_ignoreCase, _singleline, _extended) = savedOptions;
        if (branches.Count == 1)
        {
            return branches[0];
        }

        var node = new RegexNode(RegexNodeKind.Alternate, start) { End = _pos };
        node.Children.AddRange(branches);
        return node;
    }

    private RegexNode ParseConcat()
    {
        var start = _pos;
        var items = new List<RegexNode>();
        while (true)
        {
            SkipExtended();
            if (_pos >= _pattern.Length || _pattern[_pos] is '|' or ')')
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

        var node = new RegexNode(items.Count == 0 ? RegexNodeKind.Empty : RegexNodeKind.Concat, start) { End = _pos };
        node.Children.AddRange(items);
        return node;
    }

    private RegexNode ParseQuantifier(RegexNode atom)
    {
        while (true)
        {
            SkipExtended();
            if (_pos >= _pattern.Length)
            {
                return atom;
            }

            int min, max;
            var c = _pattern[_pos];
            if (c == '*')
            {
                (min, max) = (0, RegexNode.Unbounded);
                _pos++;
            }
            else if (c == '+')
            {
                (min, max) = (1, RegexNode.Unbounded);
                _pos++;
            }
            else if (c == '?')
            {
                (min, max) = (0, 1);
                _pos++;
            }
            else if (c == '{' && TryParseBraces(out min, out max))
            {
            }
            else
            {
                return atom;
            }

            if (_pos < _pattern.Length && _pattern[_pos] == '?')
            {
                _pos++;
            }

            var loop = new RegexNode(RegexNodeKind.Loop, atom.Start) { Min = min, Max = max, End = _pos };
            loop.Children.Add(atom);
            atom = loop;
        }
    }

    private bool TryParseBraces(out int min, out int max)
    {
        min = max = 0;
        var p = _pos + 1;
        if (!TryNumber(ref p, out min))
        {
            return false;
        }

        if (p < _pattern.Length && _pattern[p] == '}')
        {
            max = min;
        }
        else if (p < _pattern.Length && _pattern[p] == ',')
        {
            p++;
            if (p < _pattern.Length && _pattern[p] == '}')
            {
                max = RegexNode.Unbounded;
            }
            else if (!TryNumber(ref p, out max) || p >= _pattern.Length || _pattern[p] != '}')
            {
                return false;
            }
        }
        else
        {
            return false;
        }

        _pos = p + 1;
        return true;
    }

    private bool TryNumber(ref int p, out int value)
    {
        var start = p;
        value = 0;
        while (p < _pattern.Length && char.IsAsciiDigit(_pattern[p]))
        {
            value = (int)Math.Min(int.MaxValue, value * 10L + (_pattern[p] - '0'));
            p++;
        }

        return p > start;
    }

    private RegexNode? ParseAtom()
    {
        var start = _pos;
        var c = _pattern[_pos++];
        switch (c)
        {
            case '(':
                return ParseGroup(start);
            case '[':
                return new RegexNode(RegexNodeKind.Set, start) { Set = ParseClass(), End = _pos };
            case '.':
                return new RegexNode(RegexNodeKind.Set, start) { Set = CharSet.Any(_singleline), End = _pos };
            case '^':
            case '$':
                return new RegexNode(RegexNodeKind.Anchor, start) { Anchor = c, End = _pos };
            case '\\':
                return ParseEscape(start);
            default:
                return new RegexNode(RegexNodeKind.Set, start) { Set = CharSet.Of(c, _ignoreCase), End = _pos };
        }
    }

    private RegexNode? ParseGroup(int start)
    {
        RegexNode node;
        if (_pos < _pattern.Length && _pattern[_pos] == '?')
        {
            _pos++;
            var c = _pattern[_pos];
            switch (c)
            {
                case '#':
                    _pos = _pattern.IndexOf(')', _pos) + 1;
                    return null;
                case ':':
                    _pos++;
                    node = new RegexNode(RegexNodeKind.Group, start);
                    break;
                case '=':
                case '!':
                    _pos++;
                    node = new RegexNode(RegexNodeKind.Lookaround, start) { Negated = c == '!' };
                    break;
                case '>':
                    _pos++;
                    node = new RegexNode(RegexNodeKind.Atomic, start);
                    break;
                case '(':
                    return ParseConditional(start);
                case '<' when _pos + 1 < _pattern.Length && _pattern[_pos + 1] is '=' or '!':
                    node = new RegexNode(RegexNodeKind.Lookaround, start) { Behind = true, Negated = _pattern[_pos + 1] == '!' };
                    _pos += 2;
                    break;
                case '<':
                case '\'':
                    // Named (or balancing) group: skip the name.
                    var close = c == '<' ? '>' : '\'';
                    _pos = _pattern.IndexOf(close, _pos + 1) + 1;
                    node = new RegexNode(RegexNodeKind.Group, start);
                    break;
                default:
                    if (ParseInlineOptions(out var scoped))
                    {
                        if (!scoped)
                        {
                            return null;
                        }

                        var saved = (_ignoreCase, _singleline, _extended);
                        node = new RegexNode(RegexNodeKind.Group, start);
                        node.Children.Add(ParseAlternation());
                        (_ignoreCase, _singleline, _extended) = saved;
                        _pos++;
                        node.End = _pos;
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

        var options = (_ignoreCase, _singleline, _extended);
        node.Children.Add(ParseAlternation());
        (_ignoreCase, _singleline, _extended) = options;
        _pos++; // ')'
        node.End = _pos;
        return node;
    }

    // (?imnsx-imnsx) or (?imnsx-imnsx: ... ); returns false when the text is not an option group.
    private bool ParseInlineOptions(out bool scoped)
    {
        scoped = false;
        var p = _pos;
        var on = true;
        var (ignoreCase, singleline, extended) = (_ignoreCase, _singleline, _extended);
        while (p < _pattern.Length)
        {
            var c = _pattern[p];
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
                    (_ignoreCase, _singleline, _extended) = (ignoreCase, singleline, extended);
                    scoped = c == ':';
                    _pos = p + 1;
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
        _pos++; // '('
        var options = (_ignoreCase, _singleline, _extended);
        node.Children.Add(ParseAlternation());
        _pos++; // ')'
        node.Children.Add(ParseAlternation());
        (_ignoreCase, _singleline, _extended) = options;
        _pos++; // ')'
        node.End = _pos;
        return node;
    }

    private RegexNode ParseEscape(int start)
    {
        var c = _pattern[_pos++];
        switch (c)
        {
            case 'b':
            case 'B':
            case 'A':
            case 'z':
            case 'Z':
            case 'G':
                return new RegexNode(RegexNodeKind.Anchor, start) { Anchor = c, End = _pos };
            case 'k':
                var close = _pattern[_pos] == '<' ? '>' : '\'';
                _pos = _pattern.IndexOf(close, _pos + 1) + 1;
                return new RegexNode(RegexNodeKind.Backreference, start) { End = _pos };
            case >= '1' and <= '9':
                while (_pos < _pattern.Length && char.IsAsciiDigit(_pattern[_pos]))
                {
                    _pos++;
                }

                return new RegexNode(RegexNodeKind.Backreference, start) { End = _pos };
            default:
                _pos--;
                var set = CharSet.Empty();
                AddEscape(set);
                return new RegexNode(RegexNodeKind.Set, start) { Set = set, End = _pos };
        }
    }

    // Reads one escape after '\' (at _pos) into the set, as a single character or a class.
    private void AddEscape(CharSet set) => AddEscapeChar(set, out _);

    private void AddEscapeChar(CharSet set, out char? single)
    {
        single = null;
        var c = _pattern[_pos++];
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
                _pos = _pattern.IndexOf('}', _pos) + 1;
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
                single = (char)int.Parse(_pattern.AsSpan(_pos, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                _pos += 2;
                break;
            case 'u':
                single = (char)int.Parse(_pattern.AsSpan(_pos, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture);
                _pos += 4;
                break;
            case 'c':
                single = (char)(char.ToUpperInvariant(_pattern[_pos++]) ^ 0x40);
                break;
            case >= '0' and <= '7':
                var value = c - '0';
                for (var i = 0; i < 2 && _pos < _pattern.Length && _pattern[_pos] is >= '0' and <= '7'; i++)
                {
                    value = value * 8 + (_pattern[_pos++] - '0');
                }

                single = (char)value;
                break;
            default:
                single = c;
                break;
        }

        set.Add(single.Value, _ignoreCase);
    }

    private CharSet ParseClass()
    {
        var set = CharSet.Empty();
        var negated = _pos < _pattern.Length && _pattern[_pos] == '^';
        if (negated)
        {
            _pos++;
        }

        var first = true;
        while (_pos < _pattern.Length)
        {
            var c = _pattern[_pos];
            if (c == ']' && !first)
            {
                _pos++;
                break;
            }

            first = false;
            if (c == '-' && _pos + 1 < _pattern.Length && _pattern[_pos + 1] == '[')
            {
                // Subtraction [a-z-[aeiou]]: kept as the wider base set, which only widens.
                _pos += 2;
                ParseClass();
                continue;
            }

            char? low;
            if (c == '\\')
            {
                _pos++;
                AddEscapeChar(set, out low);
            }
            else
            {
                _pos++;
                low = c;
            }

            if (low is { } from && _pos + 1 < _pattern.Length && _pattern[_pos] == '-' && _pattern[_pos + 1] != ']' && _pattern[_pos + 1] != '[')
            {
                _pos++;
                char to;
                if (_pattern[_pos] == '\\')
                {
                    _pos++;
                    var scratch = CharSet.Empty();
                    AddEscapeChar(scratch, out var high);
                    to = high ?? from;
                }
                else
                {
                    to = _pattern[_pos++];
                }

                set.AddRange(from, to, _ignoreCase);
            }
            else if (low is { } only && c != '\\')
            {
                set.Add(only, _ignoreCase);
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
        if (!_extended)
        {
            return;
        }

        while (_pos < _pattern.Length)
        {
            var c = _pattern[_pos];
            if (char.IsWhiteSpace(c))
            {
                _pos++;
            }
            else if (c == '#')
            {
                var end = _pattern.IndexOf('\n', _pos);
                _pos = end < 0 ? _pattern.Length : end + 1;
            }
            else
            {
                break;
            }
        }
    }
}
