using Prefilter.Engine.PatternSets;

namespace Prefilter.Pipeline.Tests.Fixtures;

/// <summary>Mails and pattern sets for the pipeline tests.</summary>
public static class TestData
{
    /// <summary>A set with a tag rule (<c>cheap</c>, 6) and a quarantine rule (<c>viagra</c>, 11); thresholds 5 / 10.</summary>
    public static PatternSet Set(string version, params Rule[] extra) => new()
    {
        Name = "pipeline-tests",
        Version = version,
        Created = new DateTimeOffset(2026, 11, 28, 0, 0, 0, TimeSpan.Zero),
        Thresholds = new Thresholds(5, 10),
        Rules =
        [
            new Rule { Id = "CHEAP_WORD", Kind = RuleKind.Body, Pattern = "(?i)\\bcheap\\b", Score = 6 },
            new Rule { Id = "VIAGRA_WORD", Kind = RuleKind.Body, Pattern = "(?i)\\bviagra\\b", Score = 11 },
            .. extra,
        ],
    };

    /// <summary>A plain-text mail.</summary>
    public static string Mail(string body, string to = "alice@contoso.example", string subject = "Hello") =>
        $"From: sender@fabrikam.example\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@fabrikam.example>\r\n" +
        $"Date: Sat, 28 Nov 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n";
}
