namespace Prefilter.Engine.Meta;

/// <summary>
/// A parsed meta rule expression over other rules, with SpamAssassin semantics: a rule's value is 1 when it hit
/// and 0 when it did not; the meta hits when the expression's value is non-zero (<see cref="IsHit"/>).
/// </summary>
/// <remarks>
/// Syntax: rule ids (<c>[A-Za-z0-9_]+</c>, not all digits), numbers (<c>2</c>, <c>0.5</c>), parentheses and the
/// operators below, loosest first. Operators of one level associate to the left.
/// <list type="number">
/// <item><c>||</c> — 1 when either side is non-zero</item>
/// <item><c>&amp;&amp;</c> — 1 when both sides are non-zero</item>
/// <item><c>==</c> <c>!=</c></item>
/// <item><c>&lt;</c> <c>&lt;=</c> <c>&gt;</c> <c>&gt;=</c> — 1 or 0</item>
/// <item><c>+</c> <c>-</c></item>
/// <item><c>*</c> <c>/</c> — division by zero gives 0</item>
/// <item>unary <c>!</c> (1 when the operand is 0), <c>-</c>, <c>+</c></item>
/// </list>
/// Instances are immutable and thread-safe.
/// </remarks>
public sealed class MetaExpression
{
    private readonly MetaInstruction[] program;
    private readonly int maxStack;

    internal MetaExpression(string text, string[] references, MetaInstruction[] program, int maxStack)
    {
        Text = text;
        References = references;
        this.program = program;
        this.maxStack = maxStack;
    }

    /// <summary>The expression as written.</summary>
    public string Text { get; }

    /// <summary>The distinct rule ids the expression reads, in order of first appearance.</summary>
    public IReadOnlyList<string> References { get; }

    /// <summary>Parses an expression.</summary>
    /// <param name="text">The expression, e.g. <c>(A &amp;&amp; !B) || (C + D + E &gt;= 2)</c>.</param>
    /// <returns>The parsed expression.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> is null.</exception>
    /// <exception cref="MetaExpressionException">The text is not a valid expression; carries the offset and reason.</exception>
    public static MetaExpression Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return MetaParser.Parse(text);
    }

    /// <summary>Whether an expression value means the meta rule hits: any value other than 0 (Perl truth).</summary>
    /// <param name="value">A value returned by one of the <c>Evaluate</c> methods.</param>
    public static bool IsHit(double value) => MetaProgram.IsTrue(value);

    /// <summary>
    /// Evaluates the expression, asking <paramref name="valueOf"/> once per distinct reference.
    /// For per-message evaluation in a scanner prefer <see cref="Bind"/>, which resolves ids once.
    /// </summary>
    /// <param name="valueOf">The value of a rule id: 1 when the rule hit, 0 when not (or a hit count).</param>
    /// <returns>The expression's value; see <see cref="IsHit"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="valueOf"/> is null.</exception>
    public double Evaluate(Func<string, double> valueOf)
    {
        ArgumentNullException.ThrowIfNull(valueOf);
        var count = References.Count;
        var values = count <= 32 ? stackalloc double[count] : new double[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = valueOf(References[i]);
        }

        var source = new SpanValues(values);
        return MetaProgram.Run(this.program, this.maxStack, ref source);
    }

    /// <summary>
    /// Binds each reference to an index in the scanner's per-message results, once, so evaluation is a
    /// straight pass over the program with no lookups and no allocation.
    /// </summary>
    /// <param name="indexOf">
    /// The result index of a rule id. A negative index binds the reference to 0, which is how SpamAssassin treats
    /// a rule that does not exist (it never hits); <c>PatternSetLinter</c> refuses such sets, so this only matters for
    /// callers that skip rules on purpose.
    /// </param>
    /// <returns>The bound expression.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="indexOf"/> is null.</exception>
    public BoundMetaExpression Bind(Func<string, int> indexOf)
    {
        ArgumentNullException.ThrowIfNull(indexOf);
        var indices = new int[References.Count];
        for (var i = 0; i < indices.Length; i++)
        {
            indices[i] = indexOf(References[i]);
        }

        return new BoundMetaExpression(this, this.program, this.maxStack, indices);
    }

    /// <inheritdoc />
    public override string ToString() => Text;

    private readonly ref struct SpanValues(ReadOnlySpan<double> values) : IMetaValues
    {
        private readonly ReadOnlySpan<double> values = values;

        public double ValueOf(int reference) => this.values[reference];
    }
}
