using Prefilter.Engine.Meta;

namespace Prefilter.Engine.Tests.Meta;

public class BoundMetaExpressionTests
{
    private static readonly string[] Rules = ["A", "B", "C", "D"];

    [Fact]
    public void Bound_evaluation_reads_the_bound_indices()
    {
        var bound = MetaExpression.Parse("(C && !A) || D + B >= 2").Bind(id => Array.IndexOf(Rules, id));

        Assert.Equal([2, 0, 3, 1], bound.Indices);
        Assert.True(bound.Hits([0.0, 0, 1, 0]));
        Assert.False(bound.Hits([1.0, 0, 1, 0]));
        Assert.True(bound.Hits([1.0, 1, 1, 1]));
        Assert.True(bound.Hits([false, false, true, false]));
        Assert.False(bound.Hits([true, false, true, false]));
        Assert.Equal(1, bound.Evaluate([false, true, false, true]));
    }

    [Fact]
    public void Bound_and_unbound_evaluation_agree_on_every_combination()
    {
        var expression = MetaExpression.Parse("A + B * 2 - C > 1 && !(D == B) || A / (B + C) >= 0.5");
        var bound = expression.Bind(id => Array.IndexOf(Rules, id));

        for (var mask = 0; mask < 16; mask++)
        {
            var values = Rules.Select((_, i) => (mask >> i & 1) == 1 ? 1.0 : 0.0).ToArray();
            var hits = values.Select(v => v != 0).ToArray();
            var unbound = expression.Evaluate(id => values[Array.IndexOf(Rules, id)]);

            Assert.Equal(unbound, bound.Evaluate(values));
            Assert.Equal(unbound, bound.Evaluate(hits));
        }
    }

    [Fact]
    public void A_negative_index_binds_a_reference_that_never_hits()
    {
        var bound = MetaExpression.Parse("A || SKIPPED").Bind(id => id == "A" ? 0 : -1);

        Assert.False(bound.Hits([0.0]));
        Assert.True(bound.Hits([1.0]));
        Assert.Equal(1, MetaExpression.Parse("!SKIPPED").Bind(_ => -1).Evaluate(ReadOnlySpan<double>.Empty));
    }

    [Fact]
    public void Bound_evaluation_does_not_allocate()
    {
        var bound = MetaExpression.Parse("(A && !B) || (C + D >= 2) && A * 2 / (B + 1) > 0").Bind(id => Array.IndexOf(Rules, id));
        var values = new double[] { 1, 0, 1, 1 };
        var hits = new[] { true, false, true, true };
        var deep = MetaExpression.Parse(string.Concat(Enumerable.Repeat("A * (1 + ", 90)) + "A" + new string(')', 90)).Bind(_ => 0);
        bound.Hits(values);
        bound.Hits(hits);
        deep.Evaluate(values);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var count = 0;
        for (var i = 0; i < 1_000; i++)
        {
            count += bound.Hits(values) ? 1 : 0;
            count += bound.Hits(hits) ? 1 : 0;
            count += deep.Evaluate(values) > 0 ? 1 : 0;
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(3_000, count);
    }
}
