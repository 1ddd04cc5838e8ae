using System.Text.Json;
using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Tests.PatternSets;

/// <summary>Holds the published schema, the serializer and the linter to the same format.</summary>
public class SchemaTests
{
    private static readonly JsonElement Schema = LoadSchema();

    [Theory]
    [MemberData(nameof(ValidDocuments))]
    public void Every_valid_sample_as_written_and_as_serialized_satisfies_the_schema(string json)
    {
        var validator = new SchemaSubsetValidator(Schema);

        Assert.Empty(validator.Validate(JsonDocument.Parse(json).RootElement));
        Assert.Empty(validator.Validate(JsonDocument.Parse(PatternSetJson.Serialize(PatternSetJson.Parse(json))).RootElement));
        Assert.Empty(validator.Validate(JsonDocument.Parse(PatternSetJson.ToCanonicalUtf8(PatternSetJson.Parse(json))).RootElement));
    }

    public static TheoryData<string> ValidDocuments() => [.. SampleSets.ValidDocuments];

    [Fact]
    public void Schema_declares_exactly_the_members_the_serializer_writes()
    {
        // Complete uses every member of every object, so its serialized form shows every name the writer knows.
        using var written = JsonDocument.Parse(PatternSetJson.Serialize(PatternSetJson.Parse(SampleSets.Complete)));
        var root = written.RootElement;
        var ruleNames = root.GetProperty("rules").EnumerateArray().SelectMany(r => r.EnumerateObject()).Select(p => p.Name).ToHashSet();

        Assert.Equal(Declared(Schema), Names(root));
        Assert.Equal(Declared(Schema.GetProperty("$defs").GetProperty("thresholds")), Names(root.GetProperty("thresholds")));
        Assert.Equal(Declared(Schema.GetProperty("$defs").GetProperty("rule")), ruleNames.Order().ToArray());
    }

    [Fact]
    public void Schema_kind_and_target_values_are_the_engine_names()
    {
        var rule = Schema.GetProperty("$defs").GetProperty("rule").GetProperty("properties");

        Assert.Equal(RuleKindNames.All, rule.GetProperty("kind").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal([AttachmentTargets.FileName, AttachmentTargets.ContentType],
            rule.GetProperty("target").GetProperty("enum").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Enum.GetValues<RuleKind>().Select(RuleKindNames.ToName), RuleKindNames.All);
    }

    /// <summary>Rules that break a per-kind requirement: the schema and the linter must both refuse each.</summary>
    public static TheoryData<string> RulesMissingWhatTheirKindNeeds() =>
    [
        """{ "id": "X", "kind": "body" }""",
        """{ "id": "X", "kind": "rawbody", "expression": "A", "pattern": "a" }""",
        """{ "id": "X", "kind": "header", "pattern": "a" }""",
        """{ "id": "X", "kind": "header", "header": "Subject" }""",
        """{ "id": "X", "kind": "header", "header": "exists:X-Foo", "pattern": "a" }""",
        """{ "id": "X", "kind": "header", "header": "Subject:first", "pattern": "a" }""",
        """{ "id": "X", "kind": "attachment", "pattern": "a" }""",
        """{ "id": "X", "kind": "attachment", "pattern": "a", "target": "size" }""",
        """{ "id": "X", "kind": "list" }""",
        """{ "id": "X", "kind": "list", "addresses": [] }""",
        """{ "id": "X", "kind": "list", "domains": ["a.example"], "header": "From" }""",
        """{ "id": "X", "kind": "list", "domains": ["a.example"], "pattern": "a" }""",
        """{ "id": "X", "kind": "meta" }""",
        """{ "id": "X", "kind": "meta", "expression": "A", "header": "Subject" }""",
        """{ "id": "X", "kind": "uri", "pattern": "a", "negate": true }""",
        """{ "id": "X", "kind": "full", "pattern": "a", "domains": ["a.example"] }""",
        """{ "id": "X Y", "kind": "body", "pattern": "a" }""",
    ];

    [Theory]
    [MemberData(nameof(RulesMissingWhatTheirKindNeeds))]
    public void Schema_and_linter_both_refuse_rules_that_break_their_kind(string rule)
    {
        var json = $$"""{"name":"n","version":"1","created":"2026-11-28T09:30:00Z","rules":[{"id":"A","kind":"body","pattern":"a"}, {{rule}}]}""";

        Assert.NotEmpty(new SchemaSubsetValidator(Schema).Validate(JsonDocument.Parse(json).RootElement));
        Assert.Contains(PatternSetLinter.Lint(json).Findings, f => f.RuleId == "X" || f.RuleId == "X Y");
    }

    private static string[] Names(JsonElement element) => [.. element.EnumerateObject().Select(p => p.Name).Order()];

    private static string[] Declared(JsonElement schema) => [.. schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).Order()];

    private static JsonElement LoadSchema()
    {
        using var stream = PatternSetJson.OpenSchema();
        return JsonDocument.Parse(stream).RootElement.Clone();
    }
}
