using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Tests.Messages;

public sealed class BodyParagraphTests
{
    [Fact]
    public void SubjectIsTheFirstParagraph()
    {
        var view = Mail.Parse("Subject: Cheap   meds\nFrom: a@example.com\n\nFirst line\nsecond line\n\nNext paragraph\n");

        Assert.True(view.BodyStartsWithSubject);
        Assert.Equal(["Cheap meds", "First line second line", "Next paragraph"], view.Body.ToArray());
    }

    [Fact]
    public void BlankSubjectAddsNoParagraph()
    {
        var view = Mail.Parse("Subject:   \n\ntext\n");

        Assert.False(view.BodyStartsWithSubject);
        Assert.Equal(["text"], view.Body.ToArray());
    }

    [Fact]
    public void WhitespaceOnlyLinesSeparateParagraphsAndUnicodeSpacesCollapse()
    {
        var view = Mail.Parse("Subject: s\nContent-Type: text/plain; charset=utf-8\n\na\t b\n \t \nc\u00c2\u00a0\u00c2\u00a0d\n");

        Assert.Equal(["s", "a b", "c d"], view.Body.ToArray());
    }

    [Fact]
    public void EachTextPartEndsAParagraphAndAttachmentsAreListedNotRead()
    {
        var view = Mail.Parse(
            "Subject: parts\nContent-Type: multipart/mixed; boundary=M\n\n--M\nContent-Type: text/plain\n\nend of part one\n" +
            "--M\nContent-Type: text/plain\n\nstart of part two\n" +
            "--M\nContent-Type: application/pdf; name=\"invoice.pdf\"\nContent-Transfer-Encoding: base64\n\nJVBERi0xLjQKc2VjcmV0\n" +
            "--M\nContent-Type: text/calendar\n\nBEGIN:VCALENDAR\n" +
            "--M\nContent-Type: text/plain\nContent-Disposition: attachment; filename=notes.txt\n\nattached text\n--M--\n");

        Assert.Equal(["parts", "end of part one", "start of part two", "attached text"], view.Body.ToArray());
        Assert.Equal(
            [new MessageAttachment("invoice.pdf", "application/pdf"), new MessageAttachment(null, "text/calendar"), new MessageAttachment("notes.txt", "text/plain")],
            view.Attachments);
        Assert.DoesNotContain("secret", view.RawBody.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void AttachedMessageTextIsRead()
    {
        var view = Mail.Parse(
            "Subject: fwd\nContent-Type: multipart/mixed; boundary=M\n\n--M\nContent-Type: text/plain\n\nsee below\n" +
            "--M\nContent-Type: message/rfc822\nContent-Disposition: attachment; filename=orig.eml\n\nSubject: inner\n\ninner text\n--M--\n");

        Assert.Equal(["fwd", "see below", "inner text"], view.Body.ToArray());
        Assert.Equal([new MessageAttachment("orig.eml", "message/rfc822")], view.Attachments);
    }

    [Fact]
    public void LongParagraphIsSplitAtTheLastSpaceBeforeTheCap()
    {
        var limits = new MessageLimits { MaxParagraphChars = 12 };
        var view = Mail.Parse("Subject: s\n\nalpha beta gamma delta\nepsilon\n\nabcdefghijklmnopqrstuvwxyz\n", limits);

        Assert.Equal(["s", "alpha beta", "gamma delta", "epsilon", "abcdefghijkl", "mnopqrstuvwx", "yz"], view.Body.ToArray());
        Assert.All(view.Body, p => Assert.True(p.Length <= 12));
    }

    [Fact]
    public void ParagraphCountIsCapped()
    {
        var limits = new MessageLimits { MaxParagraphs = 3 };
        var view = Mail.Parse("Subject: s\n\none\n\ntwo\n\nthree\n\nfour\n", limits);

        Assert.Equal(["s", "one", "two"], view.Body.ToArray());
        Assert.Equal(MessageParts.Body | MessageParts.Uris, view.TruncatedParts);
        Assert.Contains("more than 3 paragraphs; the rest not read", view.Notes);
    }

    [Fact]
    public void LongRawLinesAreChunkedAfterASpace()
    {
        var limits = new MessageLimits { MaxRawBodyLineChars = 10 };
        var view = Mail.Parse("Subject: s\n\nshort\naaaa bbbb cccc dddd\nxxxxxxxxxxxxxxx\n", limits);

        Assert.Equal(["short", "aaaa bbbb ", "cccc dddd", "xxxxxxxxxx", "xxxxx"], view.RawBody.ToArray());
    }

    [Fact]
    public void LiteralHitsInTheJoinedTextMapToTheirParagraph()
    {
        var view = Mail.Parse("Subject: hello\n\nnothing here\n\nbuy viagra today\n\nbye\n");
        var body = view.Body;

        int hit = body.Text.IndexOf("viagra", StringComparison.Ordinal);
        int unit = body.IndexOfUnitAt(hit);

        Assert.Equal(2, unit);
        Assert.Equal("buy viagra today", body.GetSpan(unit).ToString());
        Assert.Equal(body.GetStart(unit), body.Text.IndexOf("buy", StringComparison.Ordinal));
        Assert.Equal(0, body.IndexOfUnitAt(body.GetStart(1) - 1));
        Assert.Equal(string.Join('\n', body.ToArray()), body.Text);
    }
}
