using System.Globalization;

namespace Prefilter.Engine.Meta;

/// <summary>
/// Recursive-descent parser from meta expression text to a postfix program.
/// Precedence, loosest first: <c>||</c>, <c>&amp;&amp;</c>, <c>== !=</c>, <c>&lt; &lt;= &gt; &gt;=</c>, <c>+ -</c>, <c>* /</c>, unary <c>! - +</c>.
/// </summary>
internal sealed class MetaParser
{
    /// <summary>Deepest nesting of parentheses and unary operators accepted; keeps the parser's own recursion bounded.</summary>
    public const int MaxNesting = 100;

    private readonly string _text;
    private readonly List<MetaInstruction> _program = [];
    private readonly List<string> _references = [];
    private readonly Dictionary<string, int> _referenceIndex = new(StringComparer.Ordinal);
    private int _position;
    private int _nesting;
    private int _depth;
    private int _maxDepth;

    private MetaParser(string text) => _text = text;

    public static MetaExpression Parse(string text)
    {
        var parser = new MetaParser(text);
        parser.SkipSpace();
        if (parser._position == text.Length)
        {
            throw new MetaExpressionException(text, 0, "the expression is empty");
        }

        parser.ParseOr();
        parser.SkipSpace();
        if (parser._position < text.Length)
        {
            throw parser.Error(text[parser._position] == ')'
                ? "')' has no matching '('"
                : $"expected an operator, found {parser.Describe()}");
        }

        return new MetaExpression(text, [.. parser._references], [.. parser._program], parser._maxDepth);
    }

    private void ParseOr()
    {
        ParseAnd();
        while (TryOperator("||"))
        {
            ParseAnd();
            Emit(MetaOp.Or);
        }
    }

    private void ParseAnd()
    {
        ParseEquality();
        while (TryOperator("&&"))
        {
            ParseEquality();
            Emit(MetaOp.And);
        }
    }

    private void ParseEquality()
    {
        ParseRelational();
        while (true)
        {
            MetaOp op;
            if (TryOperator("==")) { op = MetaOp.Equal; }
            else if (TryOperator("!=")) { op = MetaOp.NotEqual; }
            else { return; }

            ParseRelational();
            Emit(op);
        }
    }

    private void ParseRelational()
    {
        ParseAdditive();
        while (true)
        {
            MetaOp op;
            if (TryOperator("<=")) { op = MetaOp.LessOrEqual; }
            else if (TryOperator(">=")) { op = MetaOp.GreaterOrEqual; }
            else if (TryOperator("<")) { op = MetaOp.Less; }
            else if (TryOperator(">")) { op = MetaOp.Greater; }
            else { return; }

            ParseAdditive();
            Emit(op);
        }
    }

    private void ParseAdditive()
    {
        ParseMultiplicative();
        while (true)
        {
            MetaOp op;
            if (TryOperator("+")) { op = MetaOp.Add; }
            else if (TryOperator("-")) { op = MetaOp.Subtract; }
            else { return; }

            ParseMultiplicative();
            Emit(op);
        }
    }

    private void ParseMultiplicative()
    {
        ParseUnary();
        while (true)
        {
            MetaOp op;
            if (TryOperator("*")) { op = MetaOp.Multiply; }
            else if (TryOperator("/")) { op = MetaOp.Divide; }
            else { return; }

            ParseUnary();
            Emit(op);
        }
    }

    private void ParseUnary()
    {
        SkipSpace();
        if (Peek('!') && !Peek("!="))
        {
            _position++;
            Nested(ParseUnary);
            Emit(MetaOp.Not);
        }
        else if (Peek('-'))
        {
            _position++;
            Nested(ParseUnary);
            Emit(MetaOp.Negate);
        }
        else if (Peek('+'))
        {
            _position++;
            Nested(ParseUnary);
        }
        else
        {
            ParsePrimary();
        }
    }

    private void ParsePrimary()
    {
        SkipSpace();
        if (_position == _text.Length)
        {
            throw Error("the expression ends where a rule id, number or '(' is expected");
        }

        var c = _text[_position];
        if (c == '(')
        {
            var open = _position++;
            Nested(ParseOr);
            SkipSpace();
            if (!Peek(')'))
            {
                throw _position == _text.Length
                    ? new MetaExpressionException(_text, open, "'(' is never closed")
                    : Error($"expected ')' to close the '(' at offset {open}, found {Describe()}");
            }

            _position++;
            return;
        }

        if (!IsWordChar(c))
        {
            throw Error($"expected a rule id, number or '(', found {Describe()}");
        }

        var start = _position;
        while (_position < _text.Length && IsWordChar(_text[_position]))
        {
            _position++;
        }

        // A run of digits is a number (optionally with a fraction); any other word is a rule id.
        if (_text.AsSpan(start, _position - start).ContainsAnyExceptInRange('0', '9'))
        {
            EmitReference(_text[start.._position]);
            return;
        }

        if (_position + 1 < _text.Length && _text[_position] == '.' && char.IsAsciiDigit(_text[_position + 1]))
        {
            _position++;
            while (_position < _text.Length && char.IsAsciiDigit(_text[_position]))
            {
                _position++;
            }

            if (_position < _text.Length && IsWordChar(_text[_position]))
            {
                throw Error($"a number cannot be followed by {Describe()}");
            }
        }

        var value = double.Parse(_text.AsSpan(start, _position - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        Push(new MetaInstruction(MetaOp.Constant, Constant: value));
    }

    private void Nested(Action parse)
    {
        if (++_nesting > MaxNesting)
        {
            throw Error($"the expression nests deeper than {MaxNesting} levels");
        }

        parse();
        _nesting--;
    }

    private bool TryOperator(string op)
    {
        SkipSpace();
        if (!Peek(op))
        {
            if (op.Length == 2 && Peek(op[0]) && op[0] == op[1] && op[0] is '&' or '|')
            {
                throw Error($"single '{op[0]}' is not an operator; did you mean '{op}'?");
            }

            if (op == "==" && Peek('='))
            {
                throw Error("single '=' is not an operator; did you mean '=='?");
            }

            return false;
        }

        _position += op.Length;
        return true;
    }

    private void EmitReference(string id)
    {
        if (!_referenceIndex.TryGetValue(id, out var index))
        {
            index = _references.Count;
            _referenceIndex.Add(id, index);
            _references.Add(id);
        }

        Push(new MetaInstruction(MetaOp.Reference, Reference: index));
    }

    private void Push(MetaInstruction instruction)
    {
        _program.Add(instruction);
        _maxDepth = Math.Max(_maxDepth, ++_depth);
    }

    private void Emit(MetaOp op)
    {
        _program.Add(new MetaInstruction(op));
        if (op is not (MetaOp.Not or MetaOp.Negate))
        {
            _depth--;
        }
    }

    private void SkipSpace()
    {
        while (_position < _text.Length && char.IsWhiteSpace(_text[_position]))
        {
            _position++;
        }
    }

    private bool Peek(char c) => _position < _text.Length && _text[_position] == c;

    private bool Peek(string s) => _text.AsSpan(_position).StartsWith(s, StringComparison.Ordinal);

    private string Describe()
    {
        if (_position >= _text.Length)
        {
            return "the end of the expression";
        }

        var end = _position;
        while (end < _text.Length && IsWordChar(_text[end]))
        {
            end++;
        }

        return end > _position ? $"'{_text[_position..end]}'" : $"'{_text[_position]}'";
    }

    private MetaExpressionException Error(string reason) => new(_text, _position, reason);

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
