using Prefilter.Engine.Linting;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Tests.Linting;

/// <summary>
/// No pattern can make lint or compile slow: work is bounded by <see cref="RegexAnalyzer.MaxPatternLength"/> and
/// <see cref="RegexAnalyzer.MaxExpandedSize"/>, and what exceeds them is refused with the figure and the limit.
/// </summary>
public sealed class CompileBudgetTests
{
    public static TheoryData<string, string> OverBudget => new()
    {
        { "a{1000000}", "expand it to 1,000,001 positions; the limit is 50,000" },
        { "(a{1000}){1000}", "the limit is 50,000" },
        { "(?:x{300}y{300}){200}", "the limit is 50,000" },
        { new string('q', 1024 * 1024), "1,048,576 characters long; the limit is 262,144" },
    };

    [Theory]
    [MemberData(nameof(OverBudget))]
    public void A_pattern_over_the_budget_is_refused_with_its_size_and_the_limit(string pattern, string reason)
    {
        var plan = RegexAnalyzer.Analyze(pattern);

        Assert.Equal(RuleExecutionClass.Refused, plan.Class);
        Assert.Contains(reason, plan.RefusalReason);
        var report = PatternSetLinter.Lint(Set(pattern));
        Assert.False(report.IsValid);
        Assert.Contains(report.Findings, finding => finding.RuleId == "BIG" && finding.Reason.Contains(reason, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("a{49999}")]
    [InlineData("(?:abc){8000}")]
    [InlineData("x.{0,40000}y")]
    public void A_pattern_within_the_budget_is_accepted(string pattern)
    {
        var plan = RegexAnalyzer.Analyze(pattern);

        Assert.Equal(RuleExecutionClass.Linear, plan.Class);
        Assert.True(PatternSetLinter.Lint(Set(pattern)).IsValid);
    }

    [Fact]
    public void Lint_stops_when_its_caller_is_cancelled()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.Throws<OperationCanceledException>(() => PatternSetLinter.Lint(Set("hello"), cancelled.Token));
    }

    private static string Set(string pattern) =>
        $$"""{ "name": "n", "version": "1", "created": "2026-11-28T09:30:00Z", "rules": [ { "id": "BIG", "kind": "body", "score": 1, "pattern": {{System.Text.Json.JsonSerializer.Serialize(pattern)}} } ] }""";
}
