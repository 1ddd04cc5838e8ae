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

    [Theory]
    [InlineData("message/rfc822")]
    [InlineData("multipart/mixed")]
    public void Text_hidden_past_the_nesting_cap_gets_an_incomplete_tag_not_a_clean_delivery(string container)
    {
        var result = CompiledPatternSet.Compile(Of(Body("PILLS", "(?i)cheap pills", 6))).Scan(Nested(container, 33));

        Assert.True(result.Incomplete);
        Assert.Contains("MIME nesting deeper than 32", result.IncompleteReason, StringComparison.Ordinal);
        Assert.Empty(result.Hits);
        Assert.Equal(VerdictAction.Tag, result.Action);
    }

    [Theory]
    [InlineData("message/rfc822")]
    [InlineData("multipart/mixed")]
    public void Text_within_the_nesting_cap_is_read_and_judged_on_its_score(string container)
    {
        var set = CompiledPatternSet.Compile(Of(Body("PILLS", "(?i)cheap pills", 6)));

        var hit = set.Scan(Nested(container, 31));
        var clean = set.Scan(Nested(container, 31, "a note from a friend"));

        Assert.False(hit.Incomplete, hit.IncompleteReason);
        Assert.Equal(["PILLS"], hit.HitIds());
        Assert.Equal(VerdictAction.Deliver, clean.Action);
        Assert.False(clean.Incomplete, clean.IncompleteReason);
    }

    [Fact]
    public void Mail_nested_too_deep_that_scores_for_quarantine_stays_in_quarantine()
    {
        var set = Of(Header("SUBJ", "Subject", "nested", 20));

        var result = CompiledPatternSet.Compile(set).Scan(Nested("message/rfc822", 40));

        Assert.Equal(VerdictAction.Quarantine, result.Action);
    }

    private static byte[] Nested(string container, int depth, string text = "cheap pills")
    {
        var mail = new StringBuilder("From: a@example.org\r\nSubject: nested\r\n");
        for (var i = 0; i < depth; i++)
        {
            mail.Append(container == "message/rfc822"
                ? "Content-Type: message/rfc822\r\n\r\nSubject: inner\r\n"
                : $"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n");
        }

        return Encoding.ASCII.GetBytes(mail.Append($"Content-Type: text/plain\r\n\r\n{text}\r\n").ToString());
    }
}
