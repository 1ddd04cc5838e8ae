using System.Text;
using Prefilter.Engine.Checks;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using static Prefilter.Engine.Tests.Scanning.TestSets;

namespace Prefilter.Engine.Tests.Checks;

public class BuiltInCheckTests
{
    private static Rule Check(string id, string check, params CheckArgument[] args) =>
        new() { Id = id, Kind = RuleKind.Check, Check = check, Args = args, Score = 1 };

    private static CheckArgument N(double value) => CheckArgument.FromNumber(value);

    private static byte[] Dated(string date, params string[] received) =>
        Encoding.ASCII.GetBytes(
            string.Concat(received.Select(value => $"Received: {value}\r\n")) +
            $"From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\nDate: {date}\r\n\r\nbody\r\n");

    [Theory]
    [InlineData("Thu, 1 Aug 2002 08:00:00 +0000", "from x by y; Thu, 1 Aug 2002 12:30:00 +0000", "PAST_03_06")]
    [InlineData("Thu, 1 Aug 2002 14:30:00 +0200", "from x by y; Thu, 1 Aug 2002 16:00:00 +0000", "PAST_03_06")]
    [InlineData("Thu, 1 Aug 2002 11:00:00 +0000", "from x by y; Thu, 1 Aug 2002 12:30:00 +0000", null)]
    [InlineData("Fri, 9 Aug 2002 12:00:00 +0000", "from x by y; Thu, 1 Aug 2002 12:00:00 +0000", "FUTURE_48_XX")]
    [InlineData("Mon, 1 Jul 2002 12:00:00 +0000", "from x by y; Thu, 1 Aug 2002 12:00:00 +0000", "PAST_96_XX")]
    [InlineData("no date at all", "from x by y; Thu, 1 Aug 2002 12:00:00 +0000", null)]
    public void Shifted_date_compares_the_date_header_with_the_received_dates(string date, string received, string? expected)
    {
        var set = CompiledPatternSet.Compile(Of(
            Check("PAST_03_06", "shifted_date", N(-6), N(-3)),
            Check("PAST_96_XX", "shifted_date", CheckArgument.Null, N(-96)),
            Check("FUTURE_48_XX", "shifted_date", N(48), CheckArgument.Null)));

        var hits = set.Scan(Dated(date, received)).HitIds();

        Assert.Equal(expected is null ? [] : [expected], hits);
    }

    [Fact]
    public void Shifted_date_takes_the_received_date_closest_to_the_date_header()
    {
        var set = CompiledPatternSet.Compile(Of(Check("PAST_03_06", "shifted_date", N(-6), N(-3))));

        // Four hours before the newest hop, but within minutes of the one below it: relayed late, not back-dated.
        var mail = Dated("Thu, 1 Aug 2002 08:00:00 +0000",
            "from b by c; Thu, 1 Aug 2002 12:00:00 +0000", "from a by b; Thu, 1 Aug 2002 08:05:00 +0000");
        var backDated = Dated("Thu, 1 Aug 2002 08:00:00 +0000",
            "from b by c; Thu, 1 Aug 2002 12:00:00 +0000", "from a by b; Thu, 1 Aug 2002 11:55:00 +0000");

        Assert.Empty(set.Scan(mail).HitIds());
        Assert.Equal(["PAST_03_06"], set.Scan(backDated).HitIds());
    }

    [Theory]
    [InlineData("FREE MONEY FOR YOU NOW", true)]
    [InlineData("Re: FREE MONEY FOR YOU NOW", true)]
    [InlineData("Free money for you now", false)]
    [InlineData("FREEMONEYFORYOU", false)]
    [InlineData("BUY NOW", false)]
    [InlineData("=?koi8-r?B?5sXE?= AND MORE WORDS", false)]
    public void Subject_is_all_caps_needs_words_length_and_no_lowercase(string subject, bool hits)
    {
        var set = CompiledPatternSet.Compile(Of(Check("SUBJ_ALL_CAPS", "subject_is_all_caps")));

        Assert.Equal(hits, set.Scan(Mail("body", subject: subject)).HitIds().Contains("SUBJ_ALL_CAPS"));
    }

    [Fact]
    public void Missing_to_header_hits_without_to_or_apparently_to()
    {
        var set = CompiledPatternSet.Compile(Of(Check("MISSING_HEADERS", "missing_to_header")));
        var withoutTo = Encoding.ASCII.GetBytes("From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n");
        var apparentlyTo = Encoding.ASCII.GetBytes("From: a@example.org\r\nApparently-To: b@example.net\r\nSubject: hi\r\n\r\nbody\r\n");

        Assert.Equal(["MISSING_HEADERS"], set.Scan(withoutTo).HitIds());
        Assert.Empty(set.Scan(apparentlyTo).HitIds());
        Assert.Empty(set.Scan(Mail("body")).HitIds());
    }

    [Fact]
    public void Header_count_range_counts_distinct_values()
    {
        var set = CompiledPatternSet.Compile(Of(Check("TWO_SUBJECTS", "header_count_range", CheckArgument.FromString("Subject"), N(2), N(999))));

        Assert.Equal(["TWO_SUBJECTS"], set.Scan(Mail("body", extraHeaders: "Subject: other\r\n")).HitIds());
        Assert.Empty(set.Scan(Mail("body", extraHeaders: "Subject: Hello\r\n")).HitIds());
    }

    [Fact]
    public void Outlook_message_id_hits_when_its_time_is_far_from_the_date()
    {
        var set = CompiledPatternSet.Compile(Of(Check("MSGID_OUTLOOK_INVALID", "outlook_message_id")));
        var date = new DateTimeOffset(2002, 8, 1, 12, 0, 0, TimeSpan.Zero);

        // Outlook writes the time into the id: (seconds since 1970 × 2^32 / 10^7 / 2^32 … ) as SpamAssassin models it.
        string Mail(long seconds) => $"Message-ID: <0000{(long)((seconds * 0.0023283064365387) + 27111902.8329849):x8}$0000abcd$00001234@host>\r\n" +
            $"From: a@example.org\r\nTo: b@example.net\r\nSubject: hi\r\nDate: {date:r}\r\nReceived: from x by y; {date:r}\r\n\r\nbody\r\n";

        Assert.Empty(set.Scan(Encoding.ASCII.GetBytes(Mail(date.ToUnixTimeSeconds()))).HitIds());
        Assert.Equal(["MSGID_OUTLOOK_INVALID"], set.Scan(Encoding.ASCII.GetBytes(Mail(date.AddDays(30).ToUnixTimeSeconds()))).HitIds());
    }

    [Theory]
    [InlineData("ann@a.example, anton@b.example, andy@c.example, anna@d.example, anya@e.example", "SUSPICIOUS_RECIPS")]
    [InlineData("bob@a.example, carl@b.example, dora@c.example, emil@d.example, fred@e.example, gina@f.example, hugo@g.example", "SORTED_RECIPS")]
    [InlineData("zoe@a.example, carl@b.example, ann@c.example, emil@d.example", null)]
    [InlineData("ann@a.example, anton@b.example, andy@c.example, anna@d.example", null)]
    public void Recipient_checks_read_the_to_and_cc_lists(string to, string? expected)
    {
        var set = CompiledPatternSet.Compile(Of(
            Check("SUSPICIOUS_RECIPS", "similar_recipients", N(0.65), CheckArgument.Null),
            Check("SORTED_RECIPS", "sorted_recipients")));
        var mail = Encoding.ASCII.GetBytes($"From: x@example.org\r\nTo: {to}\r\nSubject: hi\r\n\r\nbody\r\n");

        Assert.Equal(expected is null ? [] : [expected], set.Scan(mail).HitIds());
    }

    [Theory]
    [InlineData("From: Jo <jo1@gmail.com>\r\n", true, false)]
    [InlineData("From: jo@GMAIL.com\r\n", true, false)]
    [InlineData("From: jo@yahoo.co.uk\r\n", false, false)]
    [InlineData("From: jo@yahoo.de\r\n", true, false)]
    [InlineData("From: postmaster@gmail.com\r\n", false, false)]
    [InlineData("From: jo@example.org\r\nReturn-Path: <jo7@gmail.com>\r\n", true, true)]
    [InlineData("From: jo@example.org\r\nReceived: from a by b; Thu, 1 Aug 2002 12:00:00 +0000\r\nReturn-Path: <jo7@gmail.com>\r\n", false, false)]
    public void Freemail_checks_look_the_senders_up_in_the_sets_domains(string headers, bool from, bool envelopeFromEndsInDigit)
    {
        var set = CompiledPatternSet.Compile(Of(
            Check("FREEMAIL_FROM", "freemail_from"),
            Check("FREEMAIL_ENVFROM_END_DIGIT", "freemail_header", CheckArgument.FromString("EnvelopeFrom"), CheckArgument.FromString(@"\d@"))) with
        {
            FreemailDomains = ["gmail.com", "yahoo.*"],
        });
        var mail = Encoding.ASCII.GetBytes(headers + "To: b@example.net\r\nSubject: hi\r\n\r\nbody\r\n");

        var hits = set.Scan(mail).HitIds();

        Assert.Equal(from, hits.Contains("FREEMAIL_FROM"));
        Assert.Equal(envelopeFromEndsInDigit, hits.Contains("FREEMAIL_ENVFROM_END_DIGIT"));
    }

    [Fact]
    public void Freemail_checks_never_hit_without_freemail_domains()
    {
        var set = CompiledPatternSet.Compile(Of(Check("FREEMAIL_FROM", "freemail_from")));

        Assert.Empty(set.Scan(Mail("body", from: "jo@gmail.com")).HitIds());
    }

    [Fact]
    public void Check_rules_feed_metas()
    {
        var set = CompiledPatternSet.Compile(Of(
            Check("NO_TO", "missing_to_header") with { Score = 0 },
            MetaRule("META_NO_TO", "NO_TO", score: 2)));

        var result = set.Scan(Encoding.ASCII.GetBytes("From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n"));

        Assert.Equal(["NO_TO", "META_NO_TO"], result.HitIds());
        Assert.Equal(2, result.Score);
    }

    [Fact]
    public void Every_check_documents_its_bound_and_is_in_the_schema_and_the_format_readme()
    {
        var schema = File.ReadAllText(Path.Combine(PatternSets.SampleSets.EngineSourceFolder(), "PatternSets", "pattern-set.schema.json"));
        var readme = File.ReadAllText(Path.Combine(PatternSets.SampleSets.EngineSourceFolder(), "PatternSets", "README.md"));

        Assert.NotEmpty(BuiltInChecks.All);
        Assert.All(BuiltInChecks.All, check =>
        {
            Assert.False(string.IsNullOrWhiteSpace(check.Bound), check.Name);
            Assert.Contains($"\"{check.Name}\"", schema);
            Assert.Contains($"`{check.Name}`", readme);
        });
    }
}
