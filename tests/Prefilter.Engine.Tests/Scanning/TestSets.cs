using System.Text;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Tests.Scanning;

/// <summary>Small pattern sets and mails for scanner tests.</summary>
internal static class TestSets
{
    public static PatternSet Of(params Rule[] rules) => new()
    {
        Name = "test",
        Version = "1",
        Created = new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero),
        Thresholds = new Thresholds(Tag: 5, Quarantine: 10),
        Rules = rules,
    };

    public static Rule Body(string id, string pattern, double score = 1) =>
        new() { Id = id, Kind = RuleKind.Body, Pattern = pattern, Score = score };

    public static Rule Header(string id, string header, string pattern, double score = 1, bool negate = false, string? ifUnset = null) =>
        new() { Id = id, Kind = RuleKind.Header, Header = header, Pattern = pattern, Score = score, Negate = negate, IfUnset = ifUnset };

    public static Rule MetaRule(string id, string expression, double score = 1) =>
        new() { Id = id, Kind = RuleKind.Meta, Expression = expression, Score = score };

    public static Rule List(string id, string[]? addresses = null, string[]? domains = null, string? header = null, double score = 1) =>
        new() { Id = id, Kind = RuleKind.List, Addresses = addresses ?? [], Domains = domains ?? [], Header = header, Score = score };

    public static byte[] Mail(string body, string subject = "Hello", string from = "Alice <alice@example.org>", string? extraHeaders = null) =>
        Encoding.UTF8.GetBytes(
            $"From: {from}\r\nTo: bob@example.net\r\nSubject: {subject}\r\nMessage-ID: <1@example.org>\r\n" +
            (extraHeaders ?? "") +
            $"Content-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n");

    public static IReadOnlyList<string> HitIds(this Engine.Scanning.ScanResult result) => [.. result.Hits.Select(hit => hit.RuleId)];
}
