using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Tests.PatternSets;

namespace Prefilter.Engine.Tests.Linting;

public class PatternSetLinterTests
{
    // A pattern the scanner's analyzer must refuse: the backreference rules out a linear engine, and the nested
    // quantifier rules out the checked backtracking class.
    private const string UnsafePattern = @"^(a+)+\1$";

    private static string Doc(params string[] rules) =>
        "{\n  \"name\": \"n\", \"version\": \"1\", \"created\": \"2026-11-28T09:30:00Z\",\n  \"rules\": [\n    "
        + string.Join(",\n    ", rules) + "\n  ]\n}\n";

    private static LintFinding Single(string json, string ruleId)
    {
        var report = PatternSetLinter.Lint(json);
        Assert.False(report.IsValid);
        return Assert.Single(report.Findings, f => f.RuleId == ruleId);
    }

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void Valid_samples_have_no_findings_and_carry_the_digest(string json)
    {
        var report = PatternSetLinter.Lint(json);

        Assert.True(report.IsValid, string.Join("\n", report.Findings));
        Assert.Equal(PatternSetJson.ComputeDigest(PatternSetJson.Parse(json)), report.Digest);
        Assert.Equal(PatternSetJson.Parse(json).Rules.Count,
            report.Classes.Linear + report.Classes.LinearWithEdgeCheck + report.Classes.CheckedBacktracking + report.Classes.Refused + report.Classes.NonRegex);
    }

    public static TheoryData<string> ValidDocuments() => [.. SampleSets.ValidDocuments];

    [Fact]
    public void Lint_of_a_set_object_matches_lint_of_its_document()
    {
        var fromSet = PatternSetLinter.Lint(PatternSetJson.Parse(SampleSets.Complete));
        var fromDocument = PatternSetLinter.Lint(SampleSets.Complete);

        Assert.Equal((fromDocument.IsValid, fromDocument.Classes, fromDocument.Digest), (fromSet.IsValid, fromSet.Classes, fromSet.Digest));
    }

    [Fact]
    public void Classes_count_regex_and_non_regex_rules()
    {
        var json = Doc(
            """{ "id": "R1", "kind": "body", "pattern": "viagra" }""",
            """{ "id": "R2", "kind": "uri", "pattern": "bit\\.ly" }""",
            $$"""{ "id": "BAD", "kind": "body", "pattern": "{{UnsafePattern.Replace("\\", "\\\\")}}" }""",
            """{ "id": "SYNTAX", "kind": "body", "pattern": "(" }""",
            """{ "id": "E", "kind": "header", "header": "exists:X-Mailer" }""",
            """{ "id": "L", "kind": "list", "domains": ["a.example"] }""",
            """{ "id": "M", "kind": "meta", "expression": "R1 && E" }""");

        var classes = PatternSetLinter.Lint(json).Classes;

        Assert.Equal(2, classes.Linear + classes.LinearWithEdgeCheck + classes.CheckedBacktracking);
        Assert.Equal(2, classes.Refused);
        Assert.Equal(3, classes.NonRegex);
    }

    [Fact]
    public void The_report_keeps_one_regex_plan_per_distinct_pattern_for_the_compiler()
    {
        var json = Doc(
            """{ "id": "A", "kind": "body", "pattern": "viagra" }""",
            """{ "id": "B", "kind": "uri", "pattern": "viagra" }""",
            $$"""{ "id": "BAD", "kind": "body", "pattern": "{{UnsafePattern.Replace("\\", "\\\\")}}" }""",
            """{ "id": "M", "kind": "meta", "expression": "A" }""");

        var plans = PatternSetLinter.Lint(json).RegexPlans;

        Assert.Equal(2, plans.Count);
        Assert.Equal(Prefilter.Engine.Regexes.RuleExecutionClass.Refused, plans[UnsafePattern].Class);
        Assert.NotEqual(Prefilter.Engine.Regexes.RuleExecutionClass.Refused, plans["viagra"].Class);
    }

    [Fact]
    public void Invalid_json_is_one_finding_with_its_line_and_no_digest()
    {
        var json = Doc("""{ "id": "A", "kind": "body", "pattern": "a" }""", """{ "id": "B", "kind": "body" "pattern": "b" }""");

        var report = PatternSetLinter.Lint(json);

        var finding = Assert.Single(report.Findings);
        Assert.Equal(("B", SampleSets.LineOf(json, "\"B\"")), (finding.RuleId, finding.Line));
        Assert.StartsWith("invalid JSON", finding.Reason);
        Assert.Null(report.Digest);
    }

    [Fact]
    public void Format_problems_and_meaning_problems_are_all_reported_in_document_order()
    {
        var json = Doc(
            """{ "id": "A", "kind": "body", "pattern": "(" }""",
            """{ "id": "B", "kind": "bodyy", "pattern": "b" }""",
            """{ "id": "C", "kind": "body", "pattern": "c", "score": "1" }""",
            """{ "id": "A", "kind": "body", "pattern": "a" }""",
            """{ "id": "M", "kind": "meta", "expression": "B || NOPE" }""");

        var report = PatternSetLinter.Lint(json);

        Assert.Equal(
        [
            ("A", SampleSets.LineOf(json, "\"A\"")),
            ("B", SampleSets.LineOf(json, "\"B\"")),
            ("C", SampleSets.LineOf(json, "\"C\"")),
            ("A", SampleSets.LineOf(json, "\"a\" }")),
            ("M", SampleSets.LineOf(json, "\"M\"")),
        ], report.Findings.Select(f => (f.RuleId!, f.Line!.Value)));
        Assert.Null(report.Digest);
        // B's kind is unknown, but the meta may still name it: only NOPE is unknown.
        Assert.Contains("'NOPE'", report.Findings[^1].Reason);
    }

    [Theory]
    [InlineData("""{ "id": "", "kind": "body", "pattern": "a" }""", "", "the rule id is empty")]
    [InlineData("""{ "id": "BAD ID", "kind": "body", "pattern": "a" }""", "BAD ID", "the rule id 'BAD ID' contains ' '")]
    [InlineData("""{ "id": "ÜBER", "kind": "body", "pattern": "a" }""", "ÜBER", "the rule id 'ÜBER' contains 'Ü'")]
    [InlineData("""{ "id": "X", "kind": "body", "pattern": "a(b" }""", "X", "the pattern is not a valid regular expression: insufficient closing parentheses at offset 3")]
    [InlineData("""{ "id": "X", "kind": "body", "pattern": "a{2,1}" }""", "X", "the pattern is not a valid regular expression: reversed quantifier range at offset 6")]
    [InlineData("""{ "id": "X", "kind": "body", "pattern": "" }""", "X", "a body rule needs a non-empty 'pattern'")]
    [InlineData("""{ "id": "X", "kind": "uri" }""", "X", "a uri rule needs a non-empty 'pattern'")]
    [InlineData("""{ "id": "X", "kind": "header", "pattern": "a" }""", "X", "a header rule needs a 'header'")]
    [InlineData("""{ "id": "X", "kind": "header", "header": "Sub ject", "pattern": "a" }""", "X", "bad header spec 'Sub ject': the header name 'Sub ject' contains ' '")]
    [InlineData("""{ "id": "X", "kind": "header", "header": "From:first", "pattern": "a" }""", "X", "bad header spec 'From:first': unknown header modifier ':first' (use ':addr', ':name' or ':raw')")]
    [InlineData("""{ "id": "X", "kind": "header", "header": "From:addr:raw", "pattern": "a" }""", "X", "bad header spec 'From:addr:raw': unknown header modifier ':addr:raw'")]
    [InlineData("""{ "id": "X", "kind": "header", "header": "exists:", "pattern": "a" }""", "X", "bad header spec 'exists:': the header name is empty")]
    [InlineData("""{ "id": "X", "kind": "header", "header": "ALL:addr", "pattern": "a" }""", "X", "bad header spec 'ALL:addr': ALL cannot take")]
    [InlineData("""{ "id": "X", "kind": "header", "header": "exists:X-Mailer", "pattern": "a" }""", "X", "'exists:X-Mailer' tests only that the header is present; remove 'pattern'")]
    [InlineData("""{ "id": "X", "kind": "header", "header": "Subject" }""", "X", "a header rule needs a non-empty 'pattern'")]
    [InlineData("""{ "id": "X", "kind": "attachment", "pattern": "a" }""", "X", "an attachment rule needs a 'target'")]
    [InlineData("""{ "id": "X", "kind": "attachment", "pattern": "a", "target": "size" }""", "X", "attachment target 'size' is neither 'filename' nor 'contentType'")]
    [InlineData("""{ "id": "X", "kind": "list" }""", "X", "a list rule needs at least one entry in 'addresses' or 'domains'")]
    [InlineData("""{ "id": "X", "kind": "list", "addresses": ["Jo <jo@example.com>"] }""", "X", "'addresses': address 'Jo <jo@example.com>' contains ' '")]
    [InlineData("""{ "id": "X", "kind": "list", "addresses": ["jo.example.com"] }""", "X", "'addresses': 'jo.example.com' is not an email address")]
    [InlineData("""{ "id": "X", "kind": "list", "addresses": ["jo@exa mple.com"] }""", "X", "'addresses': address 'jo@exa mple.com': 'exa mple.com' is not a valid domain name")]
    [InlineData("""{ "id": "X", "kind": "list", "domains": ["*.example.com"] }""", "X", "'domains': domain '*.example.com' must be written without a leading '*.' or '.'")]
    [InlineData("""{ "id": "X", "kind": "list", "domains": ["example.com."] }""", "X", "'domains': domain 'example.com.' must be written without a trailing '.'")]
    [InlineData("""{ "id": "X", "kind": "list", "domains": ["ex_ample.com"] }""", "X", "'domains': 'ex_ample.com' is not a valid domain name")]
    [InlineData("""{ "id": "X", "kind": "list", "domains": ["a..example"] }""", "X", "'domains': 'a..example' is not a valid domain name")]
    [InlineData("""{ "id": "X", "kind": "list", "domains": ["a.example"], "header": "From" }""", "X", "bad header spec 'From': list rules look up addresses")]
    [InlineData("""{ "id": "X", "kind": "body", "pattern": "a", "header": "Subject", "target": "filename" }""", "X", "'header', 'target' do not apply to body rules")]
    [InlineData("""{ "id": "X", "kind": "meta", "expression": "A", "pattern": "a" }""", "X", "'pattern' does not apply to meta rules")]
    [InlineData("""{ "id": "X", "kind": "rawbody", "pattern": "a", "negate": true }""", "X", "'negate' does not apply to rawbody rules")]
    [InlineData("""{ "id": "X", "kind": "meta" }""", "X", "a meta rule needs an 'expression'")]
    [InlineData("""{ "id": "X", "kind": "meta", "expression": "A &&" }""", "X", "the expression is invalid at offset 4: the expression ends where")]
    [InlineData("""{ "id": "X", "kind": "meta", "expression": "A && GHOST" }""", "X", "the expression references unknown rule 'GHOST'")]
    [InlineData("""{ "id": "X", "kind": "body", "pattern": "a", "flags": ["two words"] }""", "X", "flag 'two words' must be one word without spaces")]
    [InlineData("""{ "id": "X", "kind": "body", "pattern": "a", "score": 1e999 }""", "X", "'score' is 1e999, which is not a finite number")]
    [InlineData("""{ "id": "X", "kind": "body", "pattern": "a", "score": "2.5" }""", "X", "'score' must be a number, not the string \"2.5\"")]
    [InlineData("""{ "id": "X", "kind": "nonsense", "pattern": "a" }""", "X", "unknown kind 'nonsense'")]
    public void Each_refusal_names_rule_line_and_reason(string rule, string ruleId, string reason)
    {
        var json = Doc("""{ "id": "A", "kind": "body", "pattern": "a" }""", rule);

        var finding = Single(json, ruleId);

        Assert.StartsWith(reason, finding.Reason);
        Assert.Equal(SampleSets.LineOf(json, rule), finding.Line);
    }

    [Fact]
    public void Regexes_that_cannot_be_made_safe_are_refused_with_the_analyzers_reason()
    {
        var json = Doc("""{ "id": "A", "kind": "body", "pattern": "a" }""", $$"""{ "id": "SLOW", "kind": "body", "pattern": "{{UnsafePattern.Replace("\\", "\\\\")}}" }""");

        var finding = Single(json, "SLOW");

        Assert.StartsWith("the pattern could take super-linear time and cannot be made safe: ", finding.Reason);
        Assert.True(finding.Reason.Length > "the pattern could take super-linear time and cannot be made safe: ".Length + 5);
        Assert.Equal(SampleSets.LineOf(json, "SLOW"), finding.Line);
    }

    [Fact]
    public void Duplicate_ids_point_at_the_first_occurrence()
    {
        var json = Doc(
            """{ "id": "DUP", "kind": "body", "pattern": "a" }""",
            """{ "id": "OTHER", "kind": "body", "pattern": "b" }""",
            """{ "id": "DUP", "kind": "uri", "pattern": "c" }""");

        var finding = Single(json, "DUP");

        Assert.Equal(SampleSets.LineOf(json, "\"c\""), finding.Line);
        Assert.Equal($"duplicate id: the rule at line {SampleSets.LineOf(json, "\"a\"")} has the same id", finding.Reason);
    }

    [Fact]
    public void Ids_differing_only_in_case_are_distinct()
    {
        var json = Doc("""{ "id": "Rule", "kind": "body", "pattern": "a" }""", """{ "id": "RULE", "kind": "body", "pattern": "b" }""");

        Assert.True(PatternSetLinter.Lint(json).IsValid);
    }

    [Fact]
    public void Meta_cycles_are_reported_with_their_path()
    {
        var json = Doc(
            """{ "id": "A", "kind": "meta", "expression": "B && X" }""",
            """{ "id": "B", "kind": "meta", "expression": "C || X" }""",
            """{ "id": "C", "kind": "meta", "expression": "!A" }""",
            """{ "id": "SELF", "kind": "meta", "expression": "SELF + X > 1" }""",
            """{ "id": "OK", "kind": "meta", "expression": "A && X" }""",
            """{ "id": "X", "kind": "body", "pattern": "x" }""");

        var report = PatternSetLinter.Lint(json);

        Assert.Equal(
        [
            ("A", SampleSets.LineOf(json, "\"A\""), "meta rules form a cycle: A -> B -> C -> A"),
            ("SELF", SampleSets.LineOf(json, "\"SELF\""), "meta rules form a cycle: SELF -> SELF"),
        ], report.Findings.Select(f => (f.RuleId!, f.Line!.Value, f.Reason)));
    }

    [Fact]
    public void Diamonds_and_long_chains_of_metas_are_not_cycles()
    {
        var rules = new List<string> { """{ "id": "R0", "kind": "body", "pattern": "x" }""" };
        for (var i = 1; i <= 5_000; i++)
        {
            rules.Add($$"""{ "id": "R{{i}}", "kind": "meta", "expression": "R{{i - 1}} || R{{i / 2}}" }""");
        }

        var report = PatternSetLinter.Lint(Doc([.. rules]));

        Assert.True(report.IsValid, string.Join("\n", report.Findings.Take(3)));
    }

    [Fact]
    public void A_long_cycle_is_found_without_overflowing_the_stack()
    {
        var rules = new List<string>();
        for (var i = 0; i < 5_000; i++)
        {
            rules.Add($$"""{ "id": "R{{i}}", "kind": "meta", "expression": "R{{(i + 1) % 5_000}}" }""");
        }

        var finding = Assert.Single(PatternSetLinter.Lint(Doc([.. rules])).Findings);

        Assert.StartsWith("meta rules form a cycle: R0 -> R1 -> R2 -> ", finding.Reason);
        Assert.EndsWith("R4999 -> R0", finding.Reason);
    }

    [Theory]
    [InlineData("""{ "tag": 12, "quarantine": 10 }""", "the tag threshold (12) is above the quarantine threshold (10), so no mail would ever be tagged")]
    [InlineData("""{ "tag": 1e400 }""", "'tag' is 1e400, which is not a finite number")]
    [InlineData("""{ "quarantine": "10" }""", "'quarantine' must be a number, not the string \"10\"")]
    public void Bad_thresholds_are_refused_on_their_line(string thresholds, string reason)
    {
        var json = $$"""
            {
              "name": "n", "version": "1", "created": "2026-11-28T09:30:00Z",
              "thresholds": {{thresholds}},
              "rules": []
            }
            """;

        var finding = Assert.Single(PatternSetLinter.Lint(json).Findings);

        Assert.Equal((null, 3, reason), (finding.RuleId, finding.Line, finding.Reason));
    }

    [Fact]
    public void Sets_built_in_code_are_checked_without_lines()
    {
        var set = SampleSets.With(
            new Rule { Id = "NAN", Kind = RuleKind.Body, Pattern = "a", Score = double.NaN },
            new Rule { Id = "INF", Kind = RuleKind.Body, Pattern = "a", Score = double.PositiveInfinity },
            new Rule { Id = "KIND", Kind = (RuleKind)42 },
            new Rule { Id = "M", Kind = RuleKind.Meta, Expression = "NAN && MISSING" },
            new Rule { Id = null!, Kind = RuleKind.Meta, Expression = "M" },
            new Rule { Id = "NULLS", Kind = RuleKind.List, Domains = [null!], Flags = [null!] },
            null!) with
        {
            Thresholds = new Thresholds(double.NegativeInfinity, 10),
        };

        var report = PatternSetLinter.Lint(set);

        Assert.Equal(
        [
            (null, "thresholds must be finite numbers"),
            ("NAN", "the score NaN is not a finite number"),
            ("INF", "the score Infinity is not a finite number"),
            ("KIND", "kind 42 is not a rule kind"),
            ("M", "the expression references unknown rule 'MISSING'"),
            (null, "the rule id is empty"),
            ("NULLS", "flag '' must be one word without spaces"),
            ("NULLS", "'domains': '' is not a valid domain name"),
            (null, "rule 7 is null"),
        ], report.Findings.Select(f => (f.RuleId, f.Reason)));
        Assert.All(report.Findings, f => Assert.Null(f.Line));
        Assert.Null(report.Digest);
    }

    [Fact]
    public void A_refused_set_that_could_be_read_still_has_its_digest()
    {
        var json = Doc("""{ "id": "A", "kind": "meta", "expression": "A" }""");

        var report = PatternSetLinter.Lint(json);

        Assert.False(report.IsValid);
        Assert.Equal(PatternSetJson.ComputeDigest(PatternSetJson.Parse(json)), report.Digest);
    }

    [Fact]
    public void Findings_print_as_line_rule_reason()
    {
        Assert.Equal("line 7, rule X: why", new LintFinding("X", 7, "why").ToString());
        Assert.Equal("line 7: why", new LintFinding(null, 7, "why").ToString());
        Assert.Equal("rule X: why", new LintFinding("X", null, "why").ToString());
    }

    [Theory]
    [InlineData("""{ "id": "C", "kind": "check" }""", "a check rule needs a 'check'")]
    [InlineData("""{ "id": "C", "kind": "check", "check": "run_perl" }""", "unknown check 'run_perl' (checks: shifted_date,")]
    [InlineData("""{ "id": "C", "kind": "check", "check": "shifted_date", "args": [-6] }""", "the check 'shifted_date' takes 2 arguments (minHours, maxHours), not 1")]
    [InlineData("""{ "id": "C", "kind": "check", "check": "shifted_date", "args": ["-6", -3] }""", "argument 1 of the check 'shifted_date' (minHours) must be a number or null, not \"-6\"")]
    [InlineData("""{ "id": "C", "kind": "check", "check": "header_count_range", "args": ["Sub ject", 2, 3] }""", "argument 1 of the check 'header_count_range' (header) must be a header name")]
    [InlineData("""{ "id": "C", "kind": "check", "check": "missing_to_header", "pattern": "a" }""", "'pattern' does not apply to check rules")]
    [InlineData("""{ "id": "C", "kind": "body", "pattern": "a", "check": "missing_to_header", "args": [1] }""", "'check', 'args' do not apply to body rules")]
    public void Check_rules_are_refused_with_the_reason(string rule, string reason)
    {
        var finding = Single(Doc(rule), "C");

        Assert.Contains(reason, finding.Reason);
    }

    [Theory]
    [InlineData(@"[""(a)\\1@""]", "(pattern) must be a regular expression without backreferences or lookarounds")]
    [InlineData(@"[""\\d@"", 1]", "takes 1 to 2 arguments (header, [pattern]), not 3")]
    public void Check_patterns_must_run_on_the_linear_engine(string patternArgs, string reason)
    {
        var args = "[\"Reply-To\", " + patternArgs[1..];
        var finding = Single(Doc($$"""{ "id": "C", "kind": "check", "check": "freemail_header", "args": {{args}} }"""), "C");

        Assert.Contains(reason, finding.Reason);
    }

    [Fact]
    public void Free_mail_domains_hold_only_domain_characters_and_wildcards()
    {
        var json = Doc("""{ "id": "A", "kind": "body", "pattern": "a" }""").Replace("\"rules\"", "\"freemailDomains\": [\"gmail.com\", \"bad domain\"],\n  \"rules\"");

        var finding = Assert.Single(PatternSetLinter.Lint(json).Findings);

        Assert.Equal("the free-mail domain 'bad domain' may only hold letters, digits, '.', '-' and the wildcards '*' and '?'", finding.Reason);
        Assert.Null(finding.RuleId);
    }

    [Fact]
    public void Null_is_refused_outside_check_arguments()
    {
        var report = PatternSetLinter.Lint(Doc("""{ "id": "C", "kind": "body", "pattern": "a", "description": null }"""));

        Assert.Contains(report.Findings, finding => finding.RuleId == "C" && finding.Reason.Contains("'description' must be a string, not null", StringComparison.Ordinal));
    }
}
