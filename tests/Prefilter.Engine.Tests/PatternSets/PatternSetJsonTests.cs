using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Tests.PatternSets;

public class PatternSetJsonTests
{
    [Fact]
    public void Parse_reads_every_member_of_every_kind()
    {
        var set = PatternSetJson.Parse(SampleSets.Complete);

        Assert.Equal("sample-antispam", set.Name);
        Assert.Equal("2026.11.28-1", set.Version);
        Assert.Equal(new DateTimeOffset(2026, 11, 28, 9, 30, 0, TimeSpan.FromHours(1)), set.Created);
        Assert.Equal(TimeSpan.FromHours(1), set.Created.Offset);
        Assert.Equal("Every kind and member, for tests", set.Description);
        Assert.Equal(new Thresholds(4.5, 12), set.Thresholds);
        Assert.Equal(23, set.Rules.Count);
        Assert.Equal(["gmail.com", "yahoo.*", "mail?.example"], set.FreemailDomains);

        var subject = set.Rules[0];
        Assert.Equal(("SUBJ_FREE", RuleKind.Header, "Subject", @"(?i)\bfree\b", 1.5), (subject.Id, subject.Kind, subject.Header, subject.Pattern, subject.Score));
        Assert.Equal(["nice", "multiple"], subject.Flags);
        Assert.Equal("Subject says free", subject.Description);

        var noDate = set.Rules[1];
        Assert.True(noDate.Negate);
        Assert.Equal("", noDate.IfUnset);

        Assert.Equal(RuleKind.RawBody, set.Rules[7].Kind);
        Assert.Equal(-0.25, set.Rules[7].Score);
        Assert.Equal(("filename", RuleKind.Attachment), (set.Rules[10].Target, set.Rules[10].Kind));

        var trusted = set.Rules[12];
        Assert.Equal(RuleKind.List, trusted.Kind);
        Assert.Equal(["ceo@example.com"], trusted.Addresses);
        Assert.Equal(["partner.example", "bücher.example"], trusted.Domains);

        Assert.Equal("(SUBJ_FREE + BODY_VIAGRA + URI_SHORT >= 2) && !TRUSTED", set.Rules[15].Expression);
        Assert.Equal(RuleKind.Meta, set.Rules[15].Kind);
        Assert.Equal(("shifted_date", RuleKind.Check), (set.Rules[16].Check, set.Rules[16].Kind));
        Assert.Equal([CheckArgument.FromNumber(-6), CheckArgument.FromNumber(-3)], set.Rules[16].Args);
        Assert.Equal([CheckArgument.Null, CheckArgument.FromNumber(-96)], set.Rules[17].Args);
        Assert.Equal([CheckArgument.FromString("Subject"), CheckArgument.FromNumber(2), CheckArgument.FromNumber(999)], set.Rules[18].Args);
        Assert.Equal([CheckArgument.FromString("Reply-To"), CheckArgument.FromString(@"\d@")], set.Rules[19].Args);
        Assert.Equal(["Subject:raw", "ALL:raw"], set.Rules.Skip(21).Select(rule => rule.Header));
    }

    [Fact]
    public void Minimal_set_gets_the_documented_defaults()
    {
        var set = PatternSetJson.Parse(SampleSets.Minimal);

        Assert.Null(set.Description);
        Assert.Equal(new Thresholds(5, 10), set.Thresholds);
        var rule = Assert.Single(set.Rules);
        Assert.Equal((0.0, false), (rule.Score, rule.Negate));
        Assert.Empty(rule.Flags);
        Assert.Empty(rule.Addresses);
        Assert.Empty(rule.Domains);
        Assert.Null(rule.Header);
    }

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void Parse_Serialize_Parse_round_trips(string json)
    {
        var first = PatternSetJson.Parse(json);
        var text = PatternSetJson.Serialize(first);
        var second = PatternSetJson.Parse(text);

        AssertSameSet(first, second);
        Assert.Equal(text, PatternSetJson.Serialize(second));
        Assert.Equal(PatternSetJson.ComputeDigest(first), PatternSetJson.ComputeDigest(second));
    }

    public static TheoryData<string> ValidDocuments() => [.. SampleSets.ValidDocuments];

    [Fact]
    public void Serialize_is_indented_and_keeps_regexes_and_expressions_readable()
    {
        var text = PatternSetJson.Serialize(PatternSetJson.Parse(SampleSets.Complete));

        Assert.Contains("\n  \"rules\": [\n", text);
        Assert.Contains("\"expression\": \"SUBJ_FREE && BODY_VIAGRA\"", text);
        Assert.Contains("\"pattern\": \"^https?://bit\\\\.ly/\"", text);
        Assert.Contains("\"bücher.example\"", text);
        Assert.DoesNotContain("\\u0026", text);
        Assert.DoesNotContain("\r", text);
        Assert.Contains("\"created\": \"2026-11-28T09:30:00+01:00\"", text);
    }

    [Fact]
    public void Digest_ignores_whitespace_member_order_and_number_spelling()
    {
        const string a = """
            {"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[
              {"id":"A","kind":"body","pattern":"x","score":1.5,"flags":["nice"]}]}
            """;
        const string b = """
            {
              "rules": [ { "score": 15e-1, "flags": [ "nice" ], "pattern": "x", "kind": "body", "id": "A", "negate": false } ],
              "created": "2026-11-28T10:30:00+01:00",
              "thresholds": { "quarantine": 10.0, "tag": 5 },
              "version": "1",
              "name": "n"
            }
            """;

        var digest = PatternSetJson.ComputeDigest(PatternSetJson.Parse(a));

        Assert.Equal(digest, PatternSetJson.ComputeDigest(PatternSetJson.Parse(b)));
        Assert.Matches("^[0-9a-f]{64}$", digest);
    }

    [Theory]
    [InlineData("\"score\":1.5", "\"score\":1.6")]
    [InlineData("\"pattern\":\"x\"", "\"pattern\":\"X\"")]
    [InlineData("\"flags\":[\"nice\"]", "\"flags\":[\"nice\",\"multiple\"]")]
    [InlineData("\"id\":\"A\"", "\"id\":\"B\"")]
    [InlineData("\"kind\":\"body\"", "\"kind\":\"rawbody\"")]
    [InlineData("\"version\":\"1\"", "\"version\":\"2\"")]
    [InlineData("\"created\":\"2026-11-28T09:30:00Z\"", "\"created\":\"2026-11-28T09:30:01Z\"")]
    [InlineData("\"rules\"", "\"thresholds\":{\"tag\":5,\"quarantine\":11},\"rules\"")]
    public void Digest_changes_when_content_changes(string before, string after)
    {
        const string json = """{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[{"id":"A","kind":"body","pattern":"x","score":1.5,"flags":["nice"]}]}""";
        Assert.Contains(before, json);

        var original = PatternSetJson.ComputeDigest(PatternSetJson.Parse(json));
        var changed = PatternSetJson.ComputeDigest(PatternSetJson.Parse(json.Replace(before, after, StringComparison.Ordinal)));

        Assert.NotEqual(original, changed);
    }

    [Fact]
    public void Canonical_form_is_compact_ordered_and_omits_defaults()
    {
        var set = SampleSets.With(
            new Rule { Id = "A", Kind = RuleKind.Body, Pattern = "a\"b\\c\n\u0001é<&>", Score = -0.0 },
            new Rule { Id = "B", Kind = RuleKind.Header, Header = "Subject", Pattern = "x", Negate = true, Score = 0.1 });

        var canonical = Encoding.UTF8.GetString(PatternSetJson.ToCanonicalUtf8(set));

        Assert.Equal(
            """{"name":"test","version":"1","created":"2026-11-28T09:30:00Z","rules":[{"id":"A","kind":"body","pattern":"a\"b\\c\n\u0001é<&>"},{"id":"B","kind":"header","score":0.1,"header":"Subject","negate":true,"pattern":"x"}]}""",
            canonical);
        Assert.Equal(canonical, Encoding.UTF8.GetString(PatternSetJson.ToCanonicalUtf8(PatternSetJson.Parse(canonical))));
    }

    [Fact]
    public void Canonical_form_writes_dates_in_utc_and_numbers_round_trip()
    {
        var set = SampleSets.With(new Rule { Id = "A", Kind = RuleKind.Body, Pattern = "a", Score = 0.1 + 0.2 }) with
        {
            Created = new DateTimeOffset(2026, 11, 28, 10, 30, 0, 123, TimeSpan.FromHours(1)),
            Thresholds = new Thresholds(1e21, 1e22),
        };

        var canonical = Encoding.UTF8.GetString(PatternSetJson.ToCanonicalUtf8(set));
        var back = PatternSetJson.Parse(canonical);

        Assert.Contains("\"created\":\"2026-11-28T09:30:00.123Z\"", canonical);
        Assert.Equal(0.1 + 0.2, back.Rules[0].Score);
        Assert.Equal(set.Thresholds, back.Thresholds);
        Assert.Equal(set.Created, back.Created);
    }

    [Fact]
    public void Parse_stream_accepts_a_byte_order_mark()
    {
        using var stream = new MemoryStream([.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(SampleSets.Minimal)]);

        var set = PatternSetJson.Parse(stream);

        Assert.Equal("A", Assert.Single(set.Rules).Id);
    }

    [Fact]
    public void Invalid_json_reports_the_line_of_the_syntax_error_and_the_rule_it_is_in()
    {
        const string json = """
            {
              "name": "n", "version": "1", "created": "2026-11-28T09:30:00Z",
              "rules": [
                { "id": "GOOD", "kind": "body", "pattern": "a" },
                { "id": "BROKEN", "kind": "body",
                  "pattern": "a" "score": 1 }
              ]
            }
            """;

        var ex = Assert.Throws<PatternSetFormatException>(() => PatternSetJson.Parse(json));

        Assert.Equal(6, ex.Line);
        Assert.Equal("BROKEN", ex.RuleId);
        Assert.StartsWith("invalid JSON", ex.Reason);
    }

    public static TheoryData<string, string, string> FormatErrors() => new()
    {
        { "\"score\": \"5\"", "'score' must be a number, not the string \"5\"", "R" },
        { "\"score\": 1e999", "'score' is 1e999, which is not a finite number", "R" },
        { "\"score\": -1e400", "'score' is -1e400, which is not a finite number", "R" },
        { "\"score\": null", "'score' must be a number, not null", "R" },
        { "\"kind\": \"bodyy\"", "unknown kind 'bodyy'", "R" },
        { "\"patern\": \"x\"", "unknown member 'patern' in a rule", "R" },
        { "\"negate\": \"yes\"", "'negate' must be true or false", "R" },
        { "\"flags\": \"nice\"", "'flags' must be an array of strings", "R" },
        { "\"flags\": [1]", "entry 1 of 'flags' must be a string, not a number", "R" },
        { "\"pattern\": \"a\", \"pattern\": \"b\"", "member 'pattern' appears more than once in a rule", "R" },
    };

    [Theory]
    [MemberData(nameof(FormatErrors))]
    public void Format_errors_inside_a_rule_carry_rule_id_line_and_reason(string member, string reason, string ruleId)
    {
        // The rule's other members, minus any the case itself sets.
        var others = string.Join(", ", new[] { ("kind", "\"kind\": \"body\""), ("pattern", "\"pattern\": \"a\"") }
            .Where(m => !member.Contains($"\"{m.Item1}\"", StringComparison.Ordinal))
            .Select(m => m.Item2)
            .Prepend("\"id\": \"R\""));
        var json = $$"""
            {
              "name": "n", "version": "1", "created": "2026-11-28T09:30:00Z",
              "rules": [
                { "id": "OK", "kind": "body", "pattern": "a" },
                { {{others}},
                  {{member}} }
              ]
            }
            """;

        var ex = Assert.Throws<PatternSetFormatException>(() => PatternSetJson.Parse(json));

        Assert.Equal(ruleId, ex.RuleId);
        Assert.Equal(SampleSets.LineOf(json, member), ex.Line);
        Assert.StartsWith(reason, ex.Reason);
    }

    [Fact]
    public void Lines_are_counted_the_same_with_windows_line_ends()
    {
        var json = "{\r\n\"name\": \"n\", \"version\": \"1\", \"created\": \"2026-11-28T09:30:00Z\",\r\n\"rules\": [\r\n"
            + "{ \"id\": \"A\", \"kind\": \"body\", \"pattern\": \"a\" },\r\n{ \"id\": \"B\", \"kind\": \"body\", \"score\": true }\r\n]}";

        var ex = Assert.Throws<PatternSetFormatException>(() => PatternSetJson.Parse(json));

        Assert.Equal(("B", 5, "'score' must be a number, not true/false"), (ex.RuleId, ex.Line, ex.Reason));
    }

    [Fact]
    public void Rule_id_is_attached_even_when_the_id_comes_after_the_problem()
    {
        const string json = """
            {"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[
            {"score":"high","kind":"body","pattern":"a","id":"LATE_ID"}]}
            """;

        var ex = Assert.Throws<PatternSetFormatException>(() => PatternSetJson.Parse(json));

        Assert.Equal(("LATE_ID", 2), (ex.RuleId, ex.Line));
    }

    [Theory]
    [InlineData("""{"version":"1","created":"2026-11-28T09:30:00Z","rules":[]}""", "the pattern set has no 'name'")]
    [InlineData("""{"name":"n","version":"1","rules":[]}""", "the pattern set has no 'created'")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z"}""", "the pattern set has no 'rules'")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28 09:30","rules":[]}""", "'created' is \"2026-11-28 09:30\"; expected an ISO 8601 date-time with an offset")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00","rules":[]}""", "'created' is \"2026-11-28T09:30:00\"; expected an ISO 8601 date-time with an offset")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[],"extra":1}""", "unknown member 'extra' in a pattern set")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":{}}""", "'rules' must be an array of rules, not an object")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[{"kind":"body","pattern":"a"}]}""", "rule 1 has no 'id'")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[{"id":"A"}]}""", "rule 1 has no 'kind'")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":["A"]}""", "rule 1 must be an object, not a string")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","thresholds":{"tag":"5"},"rules":[]}""", "'tag' must be a number, not the string \"5\"")]
    [InlineData("""[]""", "the document must be a JSON object (a pattern set), not an array")]
    [InlineData("", "the document is empty")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[]} x""", "invalid JSON")]
    [InlineData("""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[],}""", "invalid JSON")]
    [InlineData("""{"name":"n", /* note */ "version":"1","created":"2026-11-28T09:30:00Z","rules":[]}""", "invalid JSON")]
    public void Format_errors_outside_rules_have_a_plain_reason(string json, string reason)
    {
        var ex = Assert.Throws<PatternSetFormatException>(() => PatternSetJson.Parse(json));

        Assert.StartsWith(reason, ex.Reason);
        Assert.Equal(1, ex.Line);
        Assert.Contains(reason, ex.Message);
    }

    [Theory]
    [InlineData("\"pattern\":\"a\xFFb\"")]
    [InlineData("\"pat\xFFtern\":\"a\"")]
    [InlineData("\"pattern\":\"\\ud800\"")]
    public void Text_that_is_not_unicode_is_a_format_error(string member)
    {
        var json = $$"""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[{"id":"A","kind":"body",{{member}}}]}""";
        var bytes = json.Select(c => (byte)c).ToArray();

        var ex = Assert.Throws<PatternSetFormatException>(() => PatternSetJson.Parse(bytes));

        Assert.Equal(1, ex.Line);
    }

    [Fact]
    public void Exception_counts_the_other_problems()
    {
        const string json = """{"name":1,"version":2,"created":"2026-11-28T09:30:00Z","rules":[]}""";

        var ex = Assert.Throws<PatternSetFormatException>(() => PatternSetJson.Parse(json));

        Assert.Equal("'name' must be a string, not a number", ex.Reason);
        Assert.Equal(1, ex.MoreProblems);
    }

    [Fact]
    public void Serialize_refuses_a_score_that_is_not_finite()
    {
        var set = SampleSets.With(new Rule { Id = "A", Kind = RuleKind.Body, Pattern = "a", Score = double.NaN });

        Assert.Throws<ArgumentOutOfRangeException>(() => PatternSetJson.Serialize(set));
        Assert.Throws<ArgumentOutOfRangeException>(() => PatternSetJson.ComputeDigest(set));
    }

    [Fact]
    public void Embedded_schema_is_the_schema_file()
    {
        using var stream = PatternSetJson.OpenSchema();
        using var reader = new StreamReader(stream);

        var embedded = reader.ReadToEnd();

        Assert.Equal(File.ReadAllText(Path.Combine(SampleSets.EngineSourceFolder(), "PatternSets", "pattern-set.schema.json")), embedded);
        Assert.Equal("https://json-schema.org/draft/2020-12/schema", JsonNode.Parse(embedded)!["$schema"]!.GetValue<string>());
    }

    internal static void AssertSameSet(PatternSet expected, PatternSet actual)
    {
        Assert.Equal((expected.Name, expected.Version, expected.Created, expected.Description, expected.Thresholds),
            (actual.Name, actual.Version, actual.Created, actual.Description, actual.Thresholds));
        Assert.Equal(expected.Created.Offset, actual.Created.Offset);
        Assert.Equal(expected.FreemailDomains, actual.FreemailDomains);
        Assert.Equal(expected.Rules.Count, actual.Rules.Count);
        for (var i = 0; i < expected.Rules.Count; i++)
        {
            var (e, a) = (expected.Rules[i], actual.Rules[i]);
            Assert.Equal(e with { Flags = [], Addresses = [], Domains = [], Args = [] }, a with { Flags = [], Addresses = [], Domains = [], Args = [] });
            Assert.Equal(e.Flags, a.Flags);
            Assert.Equal(e.Args, a.Args);
            Assert.Equal(e.Addresses, a.Addresses);
            Assert.Equal(e.Domains, a.Domains);
        }
    }
}
