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

    private readonly string text;
    private readonly List<MetaInstruction> program = [];
    private readonly List<string> references = [];
    private readonly Dictionary<string, int> referenceIndex = new(StringComparer.Ordinal);
    private int position;
    private int nesting;
    private int depth;
    private int maxDepth;

    private MetaParser(string text) => this.text = text;

    public static MetaExpression Parse(string text)
    {
        var parser = new MetaParser(text);
        parser.SkipSpace();
        if (parser.position == text.Length)
        {
            throw new MetaExpressionException(text, 0, "the expression is empty");
        }

        parser.ParseOr();
        parser.SkipSpace();
        if (parser.position < text.Length)
        {
            throw parser.Error(text[parser.position] == ')'
                ? "')' has no matching '('"
                : $"expected an operator, found {parser.Describe()}");
        }

        return new MetaExpression(text, [.. parser.references], [.. parser.program], parser.maxDepth);
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
            this.position++;
            Nested(ParseUnary);
            Emit(MetaOp.Not);
        }
        else if (Peek('-'))
        {
            this.position++;
            Nested(ParseUnary);
            Emit(MetaOp.Negate);
        }
        else if (Peek('+'))
        {
            this.position++;
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
        if (this.position == this.text.Length)
        {
            throw Error("the expression ends where a rule id, number or '(' is expected");
        }

        var c = this.text[this.position];
        if (c == '(')
        {
            var open = this.position++;
            Nested(ParseOr);
            SkipSpace();
            if (!Peek(')'))
            {
                throw this.position == this.text.Length
                    ? new MetaExpressionException(this.text, open, "'(' is never closed")
                    : Error($"expected ')' to close the '(' at offset {open}, found {Describe()}");
            }

            this.position++;
            return;
        }

        if (!IsWordChar(c))
        {
            throw Error($"expected a rule id, number or '(', found {Describe()}");
        }

        var start = this.position;
        while (this.position < this.text.Length && IsWordChar(this.text[this.position]))
        {
            this.position++;
        }

        // A run of digits is a number (optionally with a fraction); any other word is a rule id.
        if (this.text.AsSpan(start, this.position - start).ContainsAnyExceptInRange('0', '9'))
        {
            EmitReference(this.text[start..position]);
            return;
        }

        if (this.position + 1 < this.text.Length && this.text[this.position] == '.' && char.IsAsciiDigit(this.text[this.position + 1]))
        {
            this.position++;
            while (this.position < this.text.Length && char.IsAsciiDigit(this.text[this.position]))
            {
                this.position++;
            }

            if (this.position < this.text.Length && IsWordChar(this.text[this.position]))
            {
                throw Error($"a number cannot be followed by {Describe()}");
            }
        }

        var value = double.Parse(this.text.AsSpan(start, this.position - start), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        Push(new MetaInstruction(MetaOp.Constant, Constant: value));
    }

    private void Nested(Action parse)
    {
        if (++this.nesting > MaxNesting)
        {
            throw Error($"the expression nests deeper than {MaxNesting} levels");
        }

        parse();
        this.nesting--;
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

        this.position += op.Length;
        return true;
    }

    private void EmitReference(string id)
    {
        if (!this.referenceIndex.TryGetValue(id, out var index))
        {
            index = this.references.Count;
            this.referenceIndex.Add(id, index);
            this.references.Add(id);
        }

        Push(new MetaInstruction(MetaOp.Reference, Reference: index));
    }

    private void Push(MetaInstruction instruction)
    {
        this.program.Add(instruction);
        this.maxDepth = Math.Max(this.maxDepth, ++this.depth);
    }

    private void Emit(MetaOp op)
    {
        this.program.Add(new MetaInstruction(op));
        if (op is not (MetaOp.Not or MetaOp.Negate))
        {
            this.depth--;
        }
    }

    private void SkipSpace()
    {
        while (this.position < this.text.Length && char.IsWhiteSpace(this.text[this.position]))
        {
            this.position++;
        }
    }

    private bool Peek(char c) => this.position < this.text.Length && this.text[this.position] == c;

    private bool Peek(string s) => this.text.AsSpan(this.position).StartsWith(s, StringComparison.Ordinal);

    private string Describe()
    {
        if (this.position >= this.text.Length)
        {
            return "the end of the expression";
        }

        var end = this.position;
        while (end < this.text.Length && IsWordChar(this.text[end]))
        {
            end++;
        }

        return end > this.position ? $"'{this.text[this.position..end]}'" : $"'{this.text[this.position]}'";
    }

    private MetaExpressionException Error(string reason) => new(this.text, this.position, reason);

    private static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c == '_';
}
