namespace Prefilter.Engine.Meta;

/// <summary>
/// A <see cref="MetaExpression"/> whose references are bound to indices of a scanner's per-message results
/// (see <see cref="MetaExpression.Bind"/>). Immutable and thread-safe; evaluation does not allocate.
/// </summary>
public sealed class BoundMetaExpression
{
    private readonly MetaInstruction[] program;
    private readonly int maxStack;
    private readonly int[] indices;

    internal BoundMetaExpression(MetaExpression expression, MetaInstruction[] program, int maxStack, int[] indices)
    {
        Expression = expression;
        this.program = program;
        this.maxStack = maxStack;
        this.indices = indices;
        HitsWhenNoneHit = MetaExpression.IsHit(Evaluate(new bool[indices.Length == 0 ? 0 : Math.Max(0, indices.Max()) + 1]));
    }

    /// <summary>
    /// Whether the meta hits when none of the rules it reads hit (<c>!A</c> does): computed once, since most metas read
    /// only misses on most mails.
    /// </summary>
    public bool HitsWhenNoneHit { get; }

    /// <summary>The expression this was bound from.</summary>
    public MetaExpression Expression { get; }

    /// <summary>The result index each reference was bound to, aligned with <see cref="MetaExpression.References"/>; negative means "always 0".</summary>
    public IReadOnlyList<int> Indices => this.indices;

    /// <summary>Evaluates over rule values indexed as bound (1 = hit, 0 = no hit, or hit counts).</summary>
    /// <param name="values">Per-rule values of the current message.</param>
    /// <returns>The expression's value; see <see cref="MetaExpression.IsHit"/>.</returns>
    /// <exception cref="IndexOutOfRangeException">A bound index is outside <paramref name="values"/>.</exception>
    public double Evaluate(ReadOnlySpan<double> values)
    {
        var source = new DoubleValues(values, this.indices);
        return MetaProgram.Run(this.program, this.maxStack, ref source);
    }

    /// <summary>Evaluates over per-rule hit flags indexed as bound (a hit counts 1).</summary>
    /// <param name="hits">Per-rule hit flags of the current message.</param>
    /// <returns>The expression's value; see <see cref="MetaExpression.IsHit"/>.</returns>
    /// <exception cref="IndexOutOfRangeException">A bound index is outside <paramref name="hits"/>.</exception>
    public double Evaluate(ReadOnlySpan<bool> hits)
    {
        var source = new BoolValues(hits, this.indices);
        return MetaProgram.Run(this.program, this.maxStack, ref source);
    }

    /// <summary>Whether the meta hits for these per-rule values.</summary>
    /// <param name="values">Per-rule values of the current message.</param>
    public bool Hits(ReadOnlySpan<double> values) => MetaExpression.IsHit(Evaluate(values));

    /// <summary>Whether the meta hits for these per-rule hit flags.</summary>
    /// <param name="hits">Per-rule hit flags of the current message.</param>
    public bool Hits(ReadOnlySpan<bool> hits) => MetaExpression.IsHit(Evaluate(hits));

    private readonly ref struct DoubleValues(ReadOnlySpan<double> values, int[] indices) : IMetaValues
    {
        private readonly ReadOnlySpan<double> values = values;

        public double ValueOf(int reference) => indices[reference] is var i && i >= 0 ? this.values[i] : 0;
    }

    private readonly ref struct BoolValues(ReadOnlySpan<bool> hits, int[] indices) : IMetaValues
    {
        private readonly ReadOnlySpan<bool> hits = hits;

        public double ValueOf(int reference) => indices[reference] is var i && i >= 0 && this.hits[i] ? 1 : 0;
    }
}
