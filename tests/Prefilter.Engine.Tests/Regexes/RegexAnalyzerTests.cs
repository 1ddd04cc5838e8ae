using System.Text.RegularExpressions;
using Prefilter.Engine.Regexes;
using Prefilter.Engine.Scanning;

namespace Prefilter.Engine.Tests.Regexes;

public class RegexAnalyzerTests
{
    [Theory]
    [InlineData(@"(?i)\bviagra\b")]
    [InlineData(@"^Subject: .{0,40}free")]
    [InlineData(@"(a+)+$")]
    [InlineData(@"(x|xx)*y")]
    public void Patterns_without_lookarounds_or_backreferences_are_linear(string pattern)
    {
        var plan = RegexAnalyzer.Analyze(pattern);

        Assert.Equal(RuleExecutionClass.Linear, plan.Class);
        Assert.Null(plan.RefusalReason);
    }

    [Theory]
    [InlineData(@"(?i)\bviagra\b", 7)]
    [InlineData(@"(?:claim|concerning) (?:the|this) money", 4 * 22)]
    [InlineData(@"^Subject: .{0,4}free", 5 * 18)]
    [InlineData(@"(?<!\w)foo(?!\w)", 2 * 2 * 6)] // rewritten with an alternation at each edge
    public void Bounded_linear_patterns_carry_the_backtracking_work_per_start(string pattern, long work)
    {
        Assert.Equal(work, RegexAnalyzer.Analyze(pattern).BacktrackingWork);
    }

    [Theory]
    [InlineData(@"(a+)+$")]
    [InlineData(@"\w+@\w+")]
    [InlineData(@"free.*money")]
    [InlineData(@"(?:[a-z]{1,10} ){0,4}x")]
    [InlineData(@"^Subject: .{0,40}free")]
    [InlineData(@"(\w)\1{3}")]
    public void Unbounded_costly_or_backtracking_patterns_stay_off_the_bounded_path(string pattern)
    {
        Assert.Null(RegexAnalyzer.Analyze(pattern).BacktrackingWork);
    }

    [Theory]
    [InlineData(@"(?<!\w)foo(?!\w)")]
    [InlineData(@"(?<=\s)buy now")]
    [InlineData(@"cheap(?=\s+pills)")]
    [InlineData(@"(?i)(?!money)m[o0]ney")]
    [InlineData(@"(?<!ab)cd(?!ef)")]
    public void Lookarounds_at_the_edges_run_linear_with_an_edge_check(string pattern)
    {
        Assert.Equal(RuleExecutionClass.LinearWithEdgeCheck, RegexAnalyzer.Analyze(pattern).Class);
    }

    [Theory]
    [InlineData(@"(\w)\1{3}")]
    [InlineData(@"foo(?!bar)baz")]
    [InlineData(@"(?>\d+)x")]
    [InlineData(@"\d+(?<!000)\b")]
    public void Backreferences_inner_lookarounds_and_atomic_groups_need_checked_backtracking(string pattern)
    {
        Assert.Equal(RuleExecutionClass.CheckedBacktracking, RegexAnalyzer.Analyze(pattern).Class);
    }

    [Theory]
    [InlineData(@"(a+)+\1", "nested quantifier")]
    [InlineData(@"(\w+\s?)*(?<!x)$", "nested quantifier")]
    [InlineData(@"(a|aa)*(?<=b)", "alternatives that can match the same text")]
    [InlineData(@"(.*a){3}(\w)\2", "overlapping unbounded quantifiers")]
    [InlineData(@"x.*y.*z.*(?<!q)w", "overlapping unbounded quantifiers")]
    public void Exploding_shapes_that_need_backtracking_are_refused_with_the_shape_named(string pattern, string shape)
    {
        var plan = RegexAnalyzer.Analyze(pattern);

        Assert.Equal(RuleExecutionClass.Refused, plan.Class);
        Assert.Contains(shape, plan.RefusalReason);
        Assert.Contains("offset", plan.RefusalReason);
    }

    [Fact]
    public void Invalid_syntax_is_refused_with_the_offset()
    {
        var plan = RegexAnalyzer.Analyze("abc(def");

        Assert.Equal(RuleExecutionClass.Refused, plan.Class);
        Assert.Equal(7, plan.SyntaxErrorOffset);
    }

    [Theory]
    [InlineData(@"(?i)\bbuy\s+now\b", new[] { "buy" })]
    [InlineData(@"(?:viagra|cialis)\b", new[] { "cialis", "viagra" })]
    [InlineData(@"Subject: FREE", new[] { "subject: free" })]
    [InlineData(@"(?i)[vV]iagra", new[] { "viagra" })]
    [InlineData(@"order (?:now|today)", new[] { "order now", "order today" })]
    public void Required_literals_are_extracted_lowercase(string pattern, string[] expected)
    {
        var plan = RegexAnalyzer.Analyze(pattern);

        Assert.False(plan.LiteralsAreLookAlikeFolded);
        Assert.Equal(expected, plan.RequiredLiterals);
    }

    [Theory]
    [InlineData(@"\d{3}-\d{4}")]
    [InlineData(@"^.{0,8}$")]
    [InlineData(@"(?:ab)?c")]
    public void Patterns_without_a_useful_literal_have_none(string pattern)
    {
        Assert.Empty(RegexAnalyzer.Analyze(pattern).RequiredLiterals);
    }

    [Theory]
    [InlineData(@"(?i)\bw[io]n\s(?:(?:for|by)\s)?your?\b", "win|won ; you")]
    [InlineData(@"(?i)\b(?:business|promotion)\s+(?:leads|sales)\b", "business|promotion ; leads|sales")]
    [InlineData(@"dear\s+(?:friend|sir)(?:.{0,40}(?:urgent|secret))+", "dear ; friend|sir ; secret|urgent")]
    [InlineData(@"alpha(?:beta)?\s*gamma", "alpha ; gamma")]
    [InlineData(@"(?:alpha\s+beta|gamma\s+delta)", "alpha|gamma")]
    public void Each_mandatory_part_gives_a_literal_set_that_any_match_holds(string pattern, string expected)
    {
        var plan = RegexAnalyzer.Analyze(pattern);

        // The set that wakes the regex, then those that confirm it; optional parts and the branches of an alternation
        // require nothing on their own.
        var sets = plan.ConfirmLiterals.Prepend(plan.RequiredLiterals).Select(set => string.Join("|", set));
        Assert.Equal(expected.Split(" ; ").Order(), sets.Order());
    }

    [Fact]
    public void Case_insensitive_k_also_searches_the_kelvin_sign_the_regex_engine_equates_with_it()
    {
        var plan = RegexAnalyzer.Analyze("(?i)kick");

        Assert.True(Regex.IsMatch("\u212Aick", "(?i)kick", RegexOptions.CultureInvariant));
        Assert.Contains(plan.RequiredLiterals, literal => "\u212Aick".Contains(literal, StringComparison.OrdinalIgnoreCase));
    }

    [Theory]
    [InlineData(@"(?i)(?:[vV]|\\\/)\W?[i1l]\W?[a4]\W?[gG]\W?[rR]\W?[a4@]")]
    [InlineData(@"(?i)[m][o0]\W{0,2}[n]\W{0,2}[e3]\W{0,2}[yj]")]
    public void Obfuscation_rules_get_literals_of_the_look_alike_folded_text(string pattern)
    {
        var plan = RegexAnalyzer.Analyze(pattern);

        Assert.True(plan.LiteralsAreLookAlikeFolded);
        Assert.NotEmpty(plan.RequiredLiterals);
        Assert.All(plan.RequiredLiterals, literal => Assert.True(literal.Length >= 3, literal));
    }

    [Theory]
    [InlineData(@"(?<!\w)foo(?!\w)")]
    [InlineData(@"(?<=\s)buy now")]
    [InlineData(@"cheap(?=\s+pills)")]
    [InlineData(@"(?i)(?!money)m[o0]ney")]
    [InlineData(@"(?<!ab)cd(?!ef)")]
    [InlineData(@"(?<![a-z.])\d+(?![a-z])")]
    [InlineData(@"(?i)(?<![^\s])free(?!\.)")]
    [InlineData(@"\bc(?!ialis)[\sc]{0,2}i[\si]{0,2}a")]
    [InlineData(@"(?<!\S)x(?!.)")]
    [InlineData(@"(\w)\1{3}")]
    [InlineData(@"\d+(?<!000)\b")]
    [InlineData(@"(?>\d+)x")]
    [InlineData(@"foo(?!bar)\w+")]
    [InlineData(@"^a(?=b)\w+(\w)\1$")]
    public void Every_class_matches_exactly_what_the_backtracking_engine_matches(string pattern)
    {
        var reference = new Regex(pattern, RegexOptions.CultureInvariant);
        foreach (var mode in Enum.GetValues<ScanEngineMode>())
        {
            var builds = new EngineBuildTimer(TimeProvider.System);
            var regex = new RuleRegex(RegexAnalyzer.Analyze(pattern), new LinearEngineCache(long.MaxValue, builds), builds, TimeSpan.FromSeconds(5), 64, 16, mode);
            MatchesLikeReference(regex, reference, mode);
        }
    }

    private static void MatchesLikeReference(RuleRegex regex, Regex reference, ScanEngineMode mode)
    {
        var inputs = new[]
        {
            "", "foo", "xfoo", "foox", "a foo.", "buy now", " buy now", "cheap pills", "cheap  pills!", "cheap",
            "money", "m0ney", "MONEY", "my m0ney", "abcd", "xcd", "cdef", "cde", "ab cd", "123", "abc123", "123abc",
            "12.5", "free", "a free.", "a free!", "FREE", "cialis", "ciaalis", "c ia", "cc ii a", "x", " x", "xx",
            "aaaa", "1000", "10000", "1001", "x\n", new string('a', 200) + "bbbb", "abc\ndef", "x y\nz", "12x", "foobar", "foobaz", "abcc", "abcd", "abb",
        };

        foreach (var input in inputs)
        {
            Assert.True(reference.IsMatch(input) == regex.IsMatch(input), $"'{reference}' in {mode} on '{input}': expected {reference.IsMatch(input)}");
        }
    }

    [Fact]
    public void Lint_and_compile_share_one_analysis_per_pattern()
    {
        var first = RegexAnalyzer.Analyze(@"(?i)(?<!\w)cheap\s+meds");
        var second = RegexAnalyzer.Analyze(@"(?i)(?<!\w)cheap\s+meds");

        Assert.Same(first, second);
        Assert.Equal(["cheap"], first.RequiredLiterals);
    }
}
