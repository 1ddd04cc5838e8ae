using System.Text;
using MimeKit;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Scanning;

namespace Prefilter.Pipeline.Tests.Delivery;

public sealed class VerdictHeadersTests
{
    [Fact]
    public void Puts_the_four_headers_first_and_removes_forged_ones_in_any_case()
    {
        var message = Parse(Stamp("X-Prefilter-Verdict: Deliver\r\nx-prefilter-score: -100\r\nX-PREFILTER-Extra: yes\r\n folded on\r\nSubject: hi\r\n\r\nbody\r\n", VerdictAction.Tag, Verdict(7.25, ["RULE_A", "RULE_B"], "abc123")));

        var fields = message.Headers.Select(h => h.Field).ToList();
        Assert.Equal([VerdictHeaders.Verdict, VerdictHeaders.Score, VerdictHeaders.Rules, VerdictHeaders.Set, "Subject"], fields);
        Assert.Equal("Tag", message.Headers[VerdictHeaders.Verdict]);
        Assert.Equal("7.25", message.Headers[VerdictHeaders.Score]);
        Assert.Equal("RULE_A, RULE_B", message.Headers[VerdictHeaders.Rules]);
        Assert.Equal("abc123", message.Headers[VerdictHeaders.Set]);
    }

    [Fact]
    public void Says_when_the_scan_was_incomplete()
    {
        var message = Parse(Stamp("Subject: hi\r\n\r\nbody\r\n", VerdictAction.Deliver, Verdict(0, [], "abc") with { Incomplete = true, Reason = "deadline" }));

        Assert.Equal("Deliver; incomplete", message.Headers[VerdictHeaders.Verdict]);
        Assert.Equal("none", message.Headers[VerdictHeaders.Rules]);
    }

    [Fact]
    public void A_value_with_line_breaks_cannot_add_a_header()
    {
        var reparsed = Parse(Stamp("Subject: hi\r\n\r\nbody\r\n", VerdictAction.Deliver, Verdict(1, ["R1\r\nBcc: victim@example.org", "R2\nX-Prefilter-Verdict: Deliver"], "d\r\ne")));

        Assert.DoesNotContain(reparsed.Headers, h => h.Field.Equals("Bcc", StringComparison.OrdinalIgnoreCase));
        Assert.Single(reparsed.Headers, h => h.Field.Equals(VerdictHeaders.Verdict, StringComparison.OrdinalIgnoreCase));
        Assert.Empty(reparsed.Bcc);
        Assert.Equal("d__e", reparsed.Headers[VerdictHeaders.Set]);
    }

    [Fact]
    public void A_long_rule_list_is_folded_and_capped()
    {
        var rules = Enumerable.Range(0, VerdictHeaders.MaxRulesListed + 5).Select(i => $"SOME_FAIRLY_LONG_RULE_NAME_{i}").ToList();

        var text = Stamp("Subject: hi\r\n\r\nbody\r\n", VerdictAction.Tag, Verdict(99, rules, "abc"));

        Assert.All(text.Split("\r\n"), line => Assert.True(line.Length <= 78, $"line of {line.Length} characters"));
        var value = Parse(text).Headers[VerdictHeaders.Rules];
        Assert.EndsWith("+5 more", value);
        Assert.Contains("SOME_FAIRLY_LONG_RULE_NAME_0,", value);
    }

    [Fact]
    public void The_body_is_relayed_byte_for_byte()
    {
        const string body = "line one\r\n\r\n  indented =3D not decoded\r\n";
        const string original = "Subject: hi\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + body;

        var text = Stamp(original, VerdictAction.Deliver, Verdict(0, [], "abc"));

        Assert.EndsWith("\r\n" + original, text);
        Assert.Equal(Encoding.ASCII.GetString(VerdictHeaders.Format(VerdictAction.Deliver, Verdict(0, [], "abc"))) + original, text);
    }

    [Fact]
    public void The_relay_data_says_what_a_downstream_might_refuse()
    {
        var plain = RelayMessage.Create(VerdictHeaders.Format(VerdictAction.Deliver, Verdict(0, [], "abc")), "Subject: hi\r\n\r\nbody\r\n"u8);
        var odd = RelayMessage.Create([], Encoding.Latin1.GetBytes("Subject: caf\u00e9\r\n\r\nnul \0 here\n" + new string('x', 1200) + "\r\n"));

        Assert.Equal((false, false, 11), (plain.Has8BitData, plain.HasNul, plain.LongestLine));
        Assert.Equal((true, true, 1200), (odd.Has8BitData, odd.HasNul, odd.LongestLine));
    }

    private static ScanVerdict Verdict(double score, IReadOnlyList<string> rules, string set) =>
        new() { Action = VerdictAction.Deliver, Score = score, Rules = rules, SetDigest = set };

    private static MimeMessage Parse(string text) => MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(text)));

    private static string Stamp(string original, VerdictAction action, ScanVerdict verdict) =>
        Encoding.ASCII.GetString(RelayMessage.Create(VerdictHeaders.Format(action, verdict), Encoding.ASCII.GetBytes(original)).Content.Span);
}
