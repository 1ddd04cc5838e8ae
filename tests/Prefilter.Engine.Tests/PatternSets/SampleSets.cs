using System.Runtime.CompilerServices;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Tests.PatternSets;

/// <summary>Pattern sets shared by the format, schema and lint tests.</summary>
internal static class SampleSets
{
    /// <summary>A valid set that uses every kind and every member at least once.</summary>
    public const string Complete = """
        {
          "name": "sample-antispam",
          "version": "2026.11.28-1",
          "created": "2026-11-28T09:30:00+01:00",
          "description": "Every kind and member, for tests",
          "thresholds": { "tag": 4.5, "quarantine": 12 },
          "freemailDomains": ["gmail.com", "yahoo.*", "mail?.example"],
          "rules": [
            { "id": "SUBJ_FREE", "kind": "header", "header": "Subject", "pattern": "(?i)\\bfree\\b", "score": 1.5, "description": "Subject says free", "flags": ["nice", "multiple"] },
            { "id": "NO_DATE", "kind": "header", "header": "Date", "pattern": ".", "negate": true, "ifUnset": "", "score": 0.5 },
            { "id": "FROM_NAME_BANK", "kind": "header", "header": "From:name", "pattern": "(?i)bank", "score": 0.1 },
            { "id": "FROM_ADDR_NUMS", "kind": "header", "header": "From:addr", "pattern": "\\d{5,}@", "score": 0.2 },
            { "id": "HAS_MAILER", "kind": "header", "header": "exists:X-Mailer" },
            { "id": "ALL_HEADERS", "kind": "header", "header": "ALL", "pattern": "(?m)^X-Spam: yes" },
            { "id": "BODY_VIAGRA", "kind": "body", "pattern": "(?i)v[i1]agra", "score": 2 },
            { "id": "RAW_BASE64", "kind": "rawbody", "pattern": "^[A-Za-z0-9+/]{76}$", "score": -0.25 },
            { "id": "URI_SHORT", "kind": "uri", "pattern": "^https?://bit\\.ly/", "score": 0.8 },
            { "id": "FULL_MBOX", "kind": "full", "pattern": "^From \\S+", "score": 0.01 },
            { "id": "ATT_EXE", "kind": "attachment", "target": "filename", "pattern": "(?i)\\.exe$", "score": 3 },
            { "id": "ATT_ZIP", "kind": "attachment", "target": "contentType", "pattern": "^application/zip$", "score": 1 },
            { "id": "TRUSTED", "kind": "list", "header": "From:addr", "addresses": ["ceo@example.com"], "domains": ["partner.example", "bücher.example"], "score": -5 },
            { "id": "BLOCKED", "kind": "list", "domains": ["spam.example"], "score": 20 },
            { "id": "META_FREE_VIAGRA", "kind": "meta", "expression": "SUBJ_FREE && BODY_VIAGRA", "score": 2.5 },
            { "id": "META_MANY", "kind": "meta", "expression": "(SUBJ_FREE + BODY_VIAGRA + URI_SHORT >= 2) && !TRUSTED", "score": 1 },
            { "id": "DATE_IN_PAST_03_06", "kind": "check", "check": "shifted_date", "args": [-6, -3], "score": 1.2 },
            { "id": "DATE_IN_PAST_96_XX", "kind": "check", "check": "shifted_date", "args": [null, -96], "score": 2.1 },
            { "id": "HEADER_COUNT_SUBJECT", "kind": "check", "check": "header_count_range", "args": ["Subject", 2, 999], "score": 3 },
            { "id": "FREEMAIL_REPLYTO_END_DIGIT", "kind": "check", "check": "freemail_header", "args": ["Reply-To", "\\d@"], "score": 0.25 },
            { "id": "Rule.with-dots_and-dashes", "kind": "body", "pattern": "unsubscribe" },
            { "id": "SUBJ_RAW_B64", "kind": "header", "header": "Subject:raw", "pattern": "(?i)=\\?utf-8\\?b\\?" },
            { "id": "ALL_RAW_TIGHT", "kind": "header", "header": "ALL:raw", "pattern": "(?m)^Subject:\\S" }
          ]
        }
        """;

    /// <summary>A small valid set with defaults left out.</summary>
    public const string Minimal = """
        {"name":"m","version":"1","created":"2026-01-01T00:00:00Z","rules":[{"id":"A","kind":"body","pattern":"a"}]}
        """;

    /// <summary>Every sample document the tests consider valid.</summary>
    public static IEnumerable<string> ValidDocuments => [Complete, Minimal, ReadmeExample()];

    /// <summary>The JSON example in the format's README, which must stay a valid set.</summary>
    public static string ReadmeExample()
    {
        var readme = File.ReadAllText(Path.Combine(EngineSourceFolder(), "PatternSets", "README.md"));
        const string fence = "```json\n";
        var start = readme.IndexOf(fence, StringComparison.Ordinal);
        Assert.True(start >= 0, "PatternSets/README.md has no ```json example");
        start += fence.Length;
        return readme[start..readme.IndexOf("```", start, StringComparison.Ordinal)];
    }

    /// <summary>functions/Prefilter.Engine in the source tree this test was compiled from.</summary>
    public static string EngineSourceFolder([CallerFilePath] string thisFile = "") =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(thisFile)!, "..", "..", "..", "functions", "Prefilter.Engine"));

    /// <summary>A set with the given rules and fixed metadata.</summary>
    public static PatternSet With(params Rule[] rules) => new()
    {
        Name = "test",
        Version = "1",
        Created = new DateTimeOffset(2026, 11, 28, 9, 30, 0, TimeSpan.Zero),
        Rules = rules,
    };

    /// <summary>1-based number of the first line of <paramref name="json"/> that contains <paramref name="text"/>.</summary>
    public static int LineOf(string json, string text)
    {
        var index = json.IndexOf(text, StringComparison.Ordinal);
        Assert.True(index >= 0, $"'{text}' is not in the document");
        return json[..index].Count(c => c == '\n') + 1;
    }
}
