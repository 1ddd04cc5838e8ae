using System.Text;
using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Tests.Messages;

public sealed class MessageLimitsTests
{
    [Fact]
    public void FiftyMegabyteMailKeepsItsTextAndListsAttachmentsWithoutDecodingThem()
    {
        var mail = new MemoryStream();
        void Write(string s) => mail.Write(Encoding.ASCII.GetBytes(s));
        Write("Subject: big one\nContent-Type: multipart/mixed; boundary=ZZ\n\n--ZZ\nContent-Type: text/plain\n\nThe text before the payload.\n");
        Write("--ZZ\nContent-Type: application/octet-stream; name=payload.bin\nContent-Transfer-Encoding: base64\n\n");
        var line = Encoding.ASCII.GetBytes(new string('Q', 76) + "\n");
        for (int i = 0; i < 50_000_000 / line.Length; i++)
        {
            mail.Write(line);
        }

        Write("--ZZ\nContent-Type: text/html\n\n<p>The text after the payload, see http://after.example/</p>\n");
        Write("--ZZ\nContent-Type: image/png\nContent-Disposition: attachment; filename=\"last.png\"\n\niVBORw0KGgo=\n--ZZ--\n");

        var view = MessageView.Parse(mail.GetBuffer().AsMemory(0, (int)mail.Length));

        Assert.Equal(["big one", "The text before the payload.", "The text after the payload, see http://after.example/"], view.Body.ToArray());
        Assert.Equal(["http://after.example/"], view.Uris.ToArray());
        Assert.Equal(
            [new MessageAttachment("payload.bin", "application/octet-stream"), new MessageAttachment("last.png", "image/png")],
            view.Attachments);
        Assert.DoesNotContain("QQQQ", view.RawBody.Text, StringComparison.Ordinal);
        Assert.Equal(MessageLimits.Default.MaxFullBytes, view.Full.Length);
        Assert.Equal(MessageParts.Full, view.TruncatedParts);
        Assert.Equal([$"full text cut at {MessageLimits.Default.MaxFullBytes} bytes"], view.Notes);
    }

    [Fact]
    public void HugeHeaderBlockIsCutAndTheBodyStillRead()
    {
        var text = new StringBuilder("Subject: many headers\nContent-Type: text/plain\n");
        for (int i = 0; i < 40_000; i++)
        {
            text.Append("X-Junk-").Append(i).Append(": ").Append('j', 40).Append('\n');
        }

        text.Append("X-Last: never read\n\nthe body survives\n");
        var limits = new MessageLimits { MaxHeaderBytes = 64 * 1024, MaxHeaders = 100_000 };

        var view = Mail.Parse(text.ToString(), limits);

        Assert.Equal("many headers", view.Headers.GetJoined("Subject"));
        Assert.False(view.Headers.Contains("X-Last"));
        Assert.InRange(view.Headers.Count, 1000, 1500);
        Assert.Equal(["many headers", "the body survives"], view.Body.ToArray());
        // Two megabytes of headers are also more than Full shows.
        Assert.Equal(MessageParts.Headers | MessageParts.Full, view.TruncatedParts);
        Assert.Contains("header block larger than 65536 bytes; headers after that not read", view.Notes);
    }

    [Fact]
    public void OneHugeHeaderLineWithoutBodyLeavesNothingToRead()
    {
        var view = Mail.Parse("X-Junk: " + new string('j', 300_000), new MessageLimits { MaxHeaderBytes = 1000 });

        Assert.Empty(view.Headers);
        Assert.Empty(view.Body);
        Assert.Equal(["header block larger than 1000 bytes; headers after that not read"], view.Notes);
    }

    [Fact]
    public void HeaderCountIsCapped()
    {
        var text = new StringBuilder("Subject: s\n");
        for (int i = 0; i < 50; i++)
        {
            text.Append("Received: hop ").Append(i).Append('\n');
        }

        var view = Mail.Parse(text.Append("\nbody\n").ToString(), new MessageLimits { MaxHeaders = 20 });

        Assert.Equal(20, view.Headers.Count);
        Assert.Equal(MessageParts.Headers, view.TruncatedParts);
        Assert.Contains("more than 20 header fields; the rest not read", view.Notes);
    }

    [Fact]
    public void DeepNestingIsCappedAndTheTextAboveTheCapRead()
    {
        var text = new StringBuilder("Subject: deep\n");
        for (int i = 0; i < 200; i++)
        {
            text.Append($"Content-Type: multipart/mixed; boundary=b{i}\n\n--b{i}\nContent-Type: text/plain\n\nlevel {i}\n--b{i}\n");
        }

        text.Append("Content-Type: text/plain\n\nthe bottom\n");

        var view = Mail.Parse(text.ToString(), new MessageLimits { MaxMimeDepth = 10 });

        Assert.Contains("level 0", view.Body.Text, StringComparison.Ordinal);
        Assert.DoesNotContain("the bottom", view.Body.Text, StringComparison.Ordinal);
        Assert.Contains("MIME nesting deeper than 10; deeper parts not read", view.Notes);
        Assert.Equal(MessageParts.Body | MessageParts.RawBody | MessageParts.Uris | MessageParts.Attachments, view.TruncatedParts);
    }

    [Theory]
    [InlineData(10)]
    [InlineData(32)]
    public void Text_under_attached_messages_nested_past_the_cap_marks_the_body_cut(int cap)
    {
        var text = new StringBuilder("Subject: deep\n");
        for (int i = 0; i <= cap; i++)
        {
            text.Append("Content-Type: message/rfc822\n\nSubject: inner\n");
        }

        text.Append("Content-Type: text/plain\n\nthe bottom\n");

        var view = Mail.Parse(text.ToString(), new MessageLimits { MaxMimeDepth = cap });

        Assert.DoesNotContain("the bottom", view.Body.Text, StringComparison.Ordinal);
        Assert.Contains($"MIME nesting deeper than {cap}; deeper parts not read", view.Notes);
        Assert.True(view.TruncatedParts.HasFlag(MessageParts.Body), view.TruncatedParts.ToString());
        Assert.True(view.NestedTooDeep);
    }

    [Fact]
    public void Text_under_attached_messages_within_the_cap_is_read()
    {
        var text = new StringBuilder("Subject: deep\n");
        for (int i = 0; i < 5; i++)
        {
            text.Append("Content-Type: message/rfc822\n\nSubject: inner\n");
        }

        text.Append("Content-Type: text/plain\n\nthe bottom\n");

        var view = Mail.Parse(text.ToString(), new MessageLimits { MaxMimeDepth = 32 });

        Assert.Contains("the bottom", view.Body.Text, StringComparison.Ordinal);
        Assert.Equal(MessageParts.None, view.TruncatedParts);
        Assert.False(view.NestedTooDeep);
    }

    [Fact]
    public void PartCountIsCapped()
    {
        var text = new StringBuilder("Subject: parts\nContent-Type: multipart/mixed; boundary=P\n\n");
        for (int i = 0; i < 100; i++)
        {
            text.Append($"--P\nContent-Type: text/plain\n\npart {i}\n");
        }

        var view = Mail.Parse(text.Append("--P--\n").ToString(), new MessageLimits { MaxParts = 11 });

        // The multipart itself counts as one part, so ten text parts are read.
        Assert.Equal(11, view.Body.Count);
        Assert.Equal("part 9", view.Body[10]);
        Assert.Contains("more than 11 MIME parts; the rest not read", view.Notes);
    }

    [Fact]
    public void TextIsCappedPerPartAndInTotal()
    {
        string big = new('a', 3000);
        var limits = new MessageLimits { MaxPartTextBytes = 1000, MaxTotalTextBytes = 1500 };
        var view = Mail.Parse(
            $"Subject: caps\nContent-Type: multipart/mixed; boundary=C\n\n--C\nContent-Type: text/plain\n\n{big}\n" +
            $"--C\nContent-Type: text/plain\n\n{big}\n--C\nContent-Type: text/plain\n\nthird\n--C--\n",
            limits);

        Assert.Equal(1500, view.RawBody.Text.Count(c => c == 'a'));
        Assert.DoesNotContain("third", view.Body.Text, StringComparison.Ordinal);
        Assert.Contains("text part cut at 1000 bytes", view.Notes);
        Assert.Contains("text cut at 1500 bytes in total", view.Notes);
        Assert.Contains("text past 1500 bytes in total not read", view.Notes);
        Assert.Equal(MessageParts.Body | MessageParts.RawBody | MessageParts.Uris, view.TruncatedParts);
    }

    [Fact]
    public void CutInsideAUtf8CharacterDoesNotFallBackToLatin1()
    {
        var view = Mail.Parse(
            "Subject: u\nContent-Type: text/plain; charset=utf-8\n\n" + Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("ééééé")),
            new MessageLimits { MaxPartTextBytes = 5 });

        Assert.Equal("éé", view.Body[1]);
        Assert.DoesNotContain(view.Notes, n => n.Contains("Latin-1", StringComparison.Ordinal));
    }

    [Fact]
    public void MessageBytesAreCapped()
    {
        var view = Mail.Parse("Subject: s\n\nkept text " + new string('x', 500), new MessageLimits { MaxMessageBytes = 30 });

        Assert.Equal(["s", "kept text xxxxxxxx"], view.Body.ToArray());
        Assert.Contains("message larger than 30 bytes; the rest not parsed", view.Notes);
    }

    [Fact]
    public void SmallMailIsNotTruncated()
    {
        var view = Mail.Parse("Subject: s\n\nbody\n");

        Assert.False(view.Truncated);
        Assert.Equal(MessageParts.None, view.TruncatedParts);
        Assert.Empty(view.Notes);
    }

    [Fact]
    public void NonPositiveCapIsRefusedWithItsName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => MessageView.Parse(Mail.Bytes("Subject: s\n\nx"), new MessageLimits { MaxParts = 0 }));

        Assert.Equal("MaxParts", error.ParamName);
    }
}
