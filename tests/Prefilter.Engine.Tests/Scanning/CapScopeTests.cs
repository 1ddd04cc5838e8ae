using System.Text;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using static Prefilter.Engine.Tests.Scanning.TestSets;

namespace Prefilter.Engine.Tests.Scanning;

/// <summary>A cap marks a scan incomplete only when it cut a part the set's rules read.</summary>
public class CapScopeTests
{
    // Over the 1 MiB full-text cap; the text part itself is small.
    private static readonly byte[] LargeMail = Encoding.ASCII.GetBytes(
        "From: a@example.org\r\nTo: b@example.com\r\nSubject: big\r\nMIME-Version: 1.0\r\n" +
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nhello cheap pills\r\n" +
        "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; filename=\"x.bin\"\r\n" +
        "Content-Transfer-Encoding: base64\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('A', 76) + "\r\n", 20_000)) + "--b--\r\n");

    [Fact]
    public void A_cut_full_text_leaves_a_body_only_set_complete()
    {
        var result = CompiledPatternSet.Compile(Of(Body("PILLS", "(?i)cheap pills", 6))).Scan(LargeMail);

        Assert.False(result.Incomplete, result.IncompleteReason);
        Assert.Equal(VerdictAction.Tag, result.Action);
    }

    [Fact]
    public void A_cut_full_text_marks_a_set_with_full_rules_incomplete()
    {
        var full = new Rule { Id = "RAW", Kind = RuleKind.Full, Pattern = "never-present-token", Score = 1 };

        var result = CompiledPatternSet.Compile(Of(Body("PILLS", "(?i)cheap pills", 6), full)).Scan(LargeMail);

        Assert.True(result.Incomplete);
        Assert.Contains("full text", result.IncompleteReason, StringComparison.Ordinal);
    }

    [Fact]
    public void Text_hidden_under_33_attached_messages_gets_an_incomplete_verdict_not_a_clean_one()
    {
        var text = new StringBuilder("From: a@example.org\r\nSubject: nested\r\n");
        for (var i = 0; i < 33; i++)
        {
            text.Append("Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n");
        }

        text.Append("Content-Type: text/plain\r\n\r\ncheap pills\r\n");

        var result = CompiledPatternSet.Compile(Of(Body("PILLS", "(?i)cheap pills", 6))).Scan(Encoding.ASCII.GetBytes(text.ToString()));

        Assert.True(result.Incomplete);
        Assert.Contains("MIME nesting deeper than 32", result.IncompleteReason, StringComparison.Ordinal);
    }
}
