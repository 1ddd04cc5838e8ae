using Prefilter.Engine.Meta;

namespace Prefilter.Engine.Tests.Meta;

public class MetaExpressionTests
{
    private static double Eval(string text, params string[] hits) =>
        MetaExpression.Parse(text).Evaluate(id => hits.Contains(id) ? 1 : 0);

    [Theory]
    [InlineData("A", new[] { "A" }, 1)]
    [InlineData("A", new string[0], 0)]
    [InlineData("!A", new string[0], 1)]
    [InlineData("!A", new[] { "A" }, 0)]
    [InlineData("A && B", new[] { "A" }, 0)]
    [InlineData("A && B", new[] { "A", "B" }, 1)]
    [InlineData("A || B", new[] { "B" }, 1)]
    [InlineData("A || B", new string[0], 0)]
    [InlineData("A + B + C", new[] { "A", "C" }, 2)]
    [InlineData("A + B + C >= 2", new[] { "A", "C" }, 1)]
    [InlineData("A + B + C >= 2", new[] { "C" }, 0)]
    [InlineData("A - B", new[] { "B" }, -1)]
    [InlineData("(A && !B) || (C + D + E >= 2)", new[] { "A", "B", "D", "E" }, 1)]
    [InlineData("(A && !B) || (C + D + E >= 2)", new[] { "A", "B", "D" }, 0)]
    [InlineData("A == B", new string[0], 1)]
    [InlineData("A != B", new[] { "A" }, 1)]
    [InlineData("A < B", new[] { "B" }, 1)]
    [InlineData("A <= B", new string[0], 1)]
    [InlineData("A > B", new[] { "B" }, 0)]
    [InlineData("2 * A / 4", new[] { "A" }, 0.5)]
    [InlineData("A / B", new[] { "A" }, 0)]
    [InlineData("-A + 3", new[] { "A" }, 2)]
    [InlineData("+A", new[] { "A" }, 1)]
    [InlineData("!!A", new[] { "A" }, 1)]
    [InlineData("1.5 * 2", new string[0], 3)]
    [InlineData("__LOCAL_RULE && 2ND_RULE", new[] { "__LOCAL_RULE", "2ND_RULE" }, 1)]
    public void Evaluates_with_spamassassin_semantics(string text, string[] hits, double expected) =>
        Assert.Equal(expected, Eval(text, hits));

    [Theory]
    // ! binds tighter than * and /
    [InlineData("!A * 3", new[] { "A" }, 0)]
    [InlineData("!A * 3", new string[0], 3)]
    // * / tighter than + -
    [InlineData("1 + 2 * 3", new string[0], 7)]
    [InlineData("8 - 4 / 2", new string[0], 6)]
    // left associativity
    [InlineData("8 - 4 - 2", new string[0], 2)]
    [InlineData("8 / 4 / 2", new string[0], 1)]
    // + - tighter than comparisons
    [InlineData("A + B > 1", new[] { "A", "B" }, 1)]
    [InlineData("1 + 1 == 2", new string[0], 1)]
    // relational tighter than equality: (1 < 2) == 1
    [InlineData("1 < 2 == 1", new string[0], 1)]
    // comparisons tighter than &&
    [InlineData("A > 0 && B > 0", new[] { "A" }, 0)]
    [InlineData("A > 0 && B > 0", new[] { "A", "B" }, 1)]
    // && tighter than ||: A || (B && C)
    [InlineData("A || B && C", new[] { "A" }, 1)]
    [InlineData("A || B && C", new[] { "B" }, 0)]
    // parentheses override
    [InlineData("(A || B) && C", new[] { "A" }, 0)]
    [InlineData("(1 + 2) * 3", new string[0], 9)]
    public void Precedence_is_unary_then_multiplicative_additive_comparison_and_or(string text, string[] hits, double expected) =>
        Assert.Equal(expected, Eval(text, hits));

    [Fact]
    public void Rule_values_can_be_hit_counts()
    {
        var expression = MetaExpression.Parse("URI_HITS > 2");

        Assert.Equal(1, expression.Evaluate(_ => 3));
        Assert.Equal(0, expression.Evaluate(_ => 2));
    }

    [Theory]
    [InlineData(1, true)]
    [InlineData(-1, true)]
    [InlineData(0.5, true)]
    [InlineData(0, false)]
    [InlineData(double.NaN, false)]
    public void A_meta_hits_on_any_non_zero_value(double value, bool hits) =>
        Assert.Equal(hits, MetaExpression.IsHit(value));

    [Fact]
    public void References_are_distinct_in_order_of_first_use()
    {
        var expression = MetaExpression.Parse("B && (A || B) && !C + A");

        Assert.Equal(["B", "A", "C"], expression.References);
        Assert.Equal("B && (A || B) && !C + A", expression.Text);
    }

    [Fact]
    public void Evaluate_asks_once_per_distinct_reference()
    {
        var asked = new List<string>();

        MetaExpression.Parse("A + A + B * A").Evaluate(id => { asked.Add(id); return 1; });

        Assert.Equal(["A", "B"], asked);
    }

    [Theory]
    [InlineData("", 0, "the expression is empty")]
    [InlineData("   ", 0, "the expression is empty")]
    [InlineData("A &&", 4, "the expression ends where a rule id, number or '(' is expected")]
    [InlineData("A & B", 2, "single '&' is not an operator; did you mean '&&'?")]
    [InlineData("A | B", 2, "single '|' is not an operator; did you mean '||'?")]
    [InlineData("A = B", 2, "single '=' is not an operator; did you mean '=='?")]
    [InlineData("(A || B", 0, "'(' is never closed")]
    [InlineData("A || B)", 6, "')' has no matching '('")]
    [InlineData("A B", 2, "expected an operator, found 'B'")]
    [InlineData("A && $B", 5, "expected a rule id, number or '(', found '$'")]
    [InlineData("A && ()", 6, "expected a rule id, number or '(', found ')'")]
    [InlineData("1.5x", 3, "a number cannot be followed by 'x'")]
    [InlineData("A.B", 1, "expected an operator, found '.'")]
    [InlineData("(A (B))", 3, "expected ')' to close the '(' at offset 0, found '('")]
    public void Parse_errors_carry_offset_and_reason(string text, int offset, string reason)
    {
        var ex = Assert.Throws<MetaExpressionException>(() => MetaExpression.Parse(text));

        Assert.Equal(offset, ex.Offset);
        Assert.Equal(reason, ex.Reason);
        Assert.Equal(text, ex.Expression);
    }

    [Fact]
    public void Deep_nesting_is_refused_instead_of_overflowing_the_stack()
    {
        var text = new string('(', 10_000) + "A" + new string(')', 10_000);

        var ex = Assert.Throws<MetaExpressionException>(() => MetaExpression.Parse(text));

        Assert.Contains("nests deeper than", ex.Reason);
    }

    [Fact]
    public void Nesting_within_the_limit_evaluates()
    {
        var depth = MetaParser.MaxNesting;
        var text = new string('(', depth - 1) + "A" + new string(')', depth - 1);

        Assert.Equal(1, Eval(text, "A"));
        Assert.Equal(1, Eval(string.Concat(Enumerable.Repeat("!", depth)) + "A", "A"));
    }

    [Fact]
    public void A_right_nested_expression_deeper_than_the_stack_buffer_evaluates_correctly()
    {
        // 1 + (1 + (1 + ...)) keeps every left operand on the value stack: beyond the stackalloc'd part.
        const int terms = 90;
        var text = string.Concat(Enumerable.Repeat("A * (1 + ", terms - 1)) + "A" + new string(')', terms - 1);

        Assert.Equal(terms, Eval(text, "A"));
        Assert.Equal(0, Eval(text));
    }
}
