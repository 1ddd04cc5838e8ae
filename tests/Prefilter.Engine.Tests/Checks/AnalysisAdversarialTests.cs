using System.Text;
using Prefilter.Engine.Checks;
using Prefilter.Engine.Messages;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using static Prefilter.Engine.Tests.Scanning.TestSets;

namespace Prefilter.Engine.Tests.Checks;

/// <summary>
/// Mails built to make the message analysis and the built-in checks work hard: each gets a verdict, and what a cap cut
/// is named. The deadline is set out of reach so that a loaded test machine cannot decide the result; how long these
/// take is not asserted (tests never assert times).
/// </summary>
public class AnalysisAdversarialTests
{
    // Every check, and header rules over every pseudo-header, so that each mail runs the whole analysis.
    private static readonly CompiledPatternSet Set = CompiledPatternSet.Compile(Of(
    [
        .. BuiltInChecks.All.Select(check => new Rule
        {
            Id = check.Name.ToUpperInvariant(),
            Kind = RuleKind.Check,
            Check = check.Name,
            Args = [.. check.Parameters.Where(parameter => !parameter.Optional).Select(parameter => parameter.Type switch
            {
                CheckParameterType.HeaderName => CheckArgument.FromString("Subject"),
                CheckParameterType.Pattern => CheckArgument.FromString("a"),
                _ => CheckArgument.FromNumber(1),
            })],
            Score = 0.1,
        }),
        .. PseudoHeaders.Names.Select(name => Header($"PSEUDO_{name.Replace('-', '_').ToUpperInvariant()}", name, @"rdns= |@", score: 0.1)),
    ]) with
    { FreemailDomains = ["example.org", "mail.*"] }, new ScannerOptions { Deadline = TimeSpan.FromMinutes(10) });

    [Theory]
    [InlineData("received", "more than 1000 header fields")]
    [InlineData("nested-html", null)]
    // The body caps cut these, but this set reads only headers, so its verdicts are whole.
    [InlineData("big-html", null)]
    [InlineData("parts", null)]
    public void A_hostile_mail_gets_a_verdict_that_names_the_cap_it_met(string name, string? cap)
    {
        var result = Set.Scan(Build(name));

        if (cap is null)
        {
            Assert.False(result.Incomplete, result.IncompleteReason);
        }
        else
        {
            Assert.Contains(cap, result.IncompleteReason, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("deadline", result.IncompleteReason ?? "", StringComparison.Ordinal);
    }

    [Fact]
    public void Ten_thousand_received_headers_are_read_up_to_the_header_cap()
    {
        var view = MessageView.Parse(Build("received"));
        var relays = new MessageAnalysis(view, new FreemailDomains([])).Relays;

        Assert.Equal(MessageLimits.Default.MaxHeaders, view.Headers.Count);
        Assert.Equal(view.Headers.Count(header => header.Name == "Received"), relays.Trusted.Count + relays.Untrusted.Count);
    }

    private static byte[] Build(string name)
    {
        var mail = new StringBuilder();
        switch (name)
        {
            case "received":
                for (var i = 0; i < 10_000; i++)
                {
                    mail.Append($"Received: from h{i} (h{i}.example.net [198.51.{i % 200}.{i % 250}]) by mx{i}.example.org (Postfix) with ESMTP id {i:X8}\r\n\tfor <u@example.org>; Thu, 1 Aug 2002 12:{i % 60:00}:00 +0000\r\n");
                }

                mail.Append("From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n");
                break;
            case "nested-html":
                mail.Append("From: a@example.org\r\nSubject: hi\r\nContent-Type: text/html\r\n\r\n");
                mail.Append(string.Concat(Enumerable.Repeat("<div><font color=\"#fff\">", 10_000))).Append("text").Append(string.Concat(Enumerable.Repeat("</font></div>", 10_000)));
                break;
            case "big-html":
                mail.Append("From: a@example.org\r\nSubject: hi\r\nContent-Type: text/html\r\n\r\n<html><body>");
                var line = "<p style=\"color:#fefefe\">cheap <b>meds</b> <img src=\"http://example.com/a.png\" width=\"400\" height=\"300\"></p>\r\n";
                mail.Append(string.Concat(Enumerable.Repeat(line, (20 * 1024 * 1024) / line.Length))).Append("</body></html>\r\n");
                break;
            default:
                mail.Append("From: a@example.org\r\nSubject: hi\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n");
                for (var i = 0; i < 100_000; i++)
                {
                    mail.Append("--b\r\nContent-Type: text/plain\r\n\r\npart\r\n");
                }

                mail.Append("--b--\r\n");
                break;
        }

        return Encoding.ASCII.GetBytes(mail.ToString());
    }
}
