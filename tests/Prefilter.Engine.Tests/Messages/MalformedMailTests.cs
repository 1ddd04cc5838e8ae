using System.Text;
using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Tests.Messages;

public sealed class MalformedMailTests
{
    [Fact]
    public void MboxFromLineIsSkipped()
    {
        var view = Mail.Parse("From someone@example.com Sat Jan  3 01:05:34 1996\nSubject: hi\n\nbody text\n");

        Assert.Equal("Subject", view.Headers[0].Name);
        Assert.Equal(["hi", "body text"], view.Body.ToArray());
        Assert.StartsWith("Subject: hi", view.Full, StringComparison.Ordinal);
    }

    [Fact]
    public void DamagedFirstLineIsSkippedAndTheMimeStructureKept()
    {
        var view = Mail.Parse(
            "Fr\u00a3m someone@example.com Sat Jan  3 01:05:34 1996\nSubject: hi\nContent-Type: multipart/mixed; boundary=B\n\n" +
            "--B\nContent-Type: text/plain\n\npart text\n--B\nContent-Type: application/zip; name=x.zip\n\nPK\n--B--\n");

        Assert.Equal(["hi", "part text"], view.Body.ToArray());
        Assert.Equal([new MessageAttachment("x.zip", "application/zip")], view.Attachments);
        Assert.Contains("first line is not a header field; skipped", view.Notes);
    }

    [Fact]
    public void CrLfLineEndingsReadLikeLf()
    {
        var view = Mail.Parse("Subject: hi\r\nFrom: a@example.com\r\n\r\nline one\r\nline two\r\n\r\nsecond\r\n");

        Assert.Equal(["hi", "line one line two", "second"], view.Body.ToArray());
        Assert.Equal(["line one", "line two", "", "second"], view.RawBody.ToArray());
        Assert.Equal("a@example.com", view.Headers.GetJoined("From"));
    }

    [Fact]
    public void MultipartWhoseBoundaryNeverOccursIsNotedAndHeadersKept()
    {
        var view = Mail.Parse("Subject: lost\nContent-Type: multipart/mixed; boundary=NEVER\n\nsome text without parts\n");

        Assert.Contains(view.Notes, n => n.Contains("broken MIME boundary", StringComparison.Ordinal));
        Assert.Equal("lost", view.Headers.GetJoined("Subject"));
    }

    [Fact]
    public void MissingClosingBoundaryKeepsTextAndIsNoted()
    {
        var view = Mail.Parse(
            "Subject: cut\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\n\nfirst part\n--B\nContent-Type: text/plain\n\nsecond part, cut off");

        Assert.Contains("first part", view.Body.Text, StringComparison.Ordinal);
        Assert.Contains("second part, cut off", view.Body.Text, StringComparison.Ordinal);
        Assert.Contains(view.Notes, n => n.Contains("closing boundary", StringComparison.Ordinal));
    }

    [Fact]
    public void UnknownCharsetWithEightBitBytesFallsBackToLatin1()
    {
        var view = Mail.Parse("Subject: x\nContent-Type: text/plain; charset=x-unknown\n\ncaf\u00e9 cr\u00e8me\n");

        Assert.Equal("caf\u00e9 cr\u00e8me", view.Body[1]);
        Assert.Contains("charset x-unknown unknown, decoded as Latin-1", view.Notes);
    }

    [Fact]
    public void UnknownCharsetWithValidUtf8IsReadAsUtf8()
    {
        string utf8AsLatin1 = Encoding.Latin1.GetString(Encoding.UTF8.GetBytes("Grüße"));
        var view = Mail.Parse($"Subject: x\nContent-Type: text/plain; charset=x-mac-nonsense\n\n{utf8AsLatin1}\n");

        Assert.Equal("Grüße", view.Body[1]);
        Assert.Contains("charset x-mac-nonsense unknown, decoded as UTF-8", view.Notes);
    }

    [Fact]
    public void DeclaredUtf8ThatIsNotUtf8FallsBackToLatin1()
    {
        var view = Mail.Parse("Subject: x\nContent-Type: text/plain; charset=utf-8\n\nna\u00efve \u00ff\n");

        Assert.Equal("na\u00efve \u00ff", view.Body[1]);
        Assert.Contains(view.Notes, n => n.StartsWith("8-bit text not valid in charset utf-8", StringComparison.Ordinal));
    }

    [Fact]
    public void DeclaredLegacyCharsetIsDecoded()
    {
        string cp1251 = Encoding.Latin1.GetString(System.Text.CodePagesEncodingProvider.Instance.GetEncoding(1251)!.GetBytes("Привет мир"));
        var view = Mail.Parse($"Subject: x\nContent-Type: text/plain; charset=windows-1251\n\n{cp1251}\n");

        Assert.Equal("Привет мир", view.Body[1]);
        Assert.Empty(view.Notes);
    }

    [Fact]
    public void MissingHeaderBlockIsReadAsPlainText()
    {
        var view = Mail.Parse("hello world\nsecond line\n\nnext paragraph\n");

        Assert.Empty(view.Headers);
        Assert.Equal(["hello world second line", "next paragraph"], view.Body.ToArray());
        Assert.False(view.BodyStartsWithSubject);
        Assert.Contains(view.Notes, n => n.Contains("read as headers and plain text", StringComparison.Ordinal));
    }

    [Fact]
    public void JunkLinesAroundHeaderFieldsAreSkippedWhenMimeKitGivesUp()
    {
        var view = Mail.Parse("bad line one\nbad line two\nSubject: hi\nno colon here\nFrom: a@b.example\n\nbody text\n");

        Assert.Equal(["Subject", "From"], view.Headers.Select(h => h.Name).ToArray());
        Assert.Equal(["hi", "body text"], view.Body.ToArray());
        Assert.Contains("malformed header line skipped", view.Notes);
    }

    [Fact]
    public void EmptyInputGivesAnEmptyViewWithANote()
    {
        var view = MessageView.Parse(ReadOnlyMemory<byte>.Empty);

        Assert.Empty(view.Headers);
        Assert.Empty(view.Body);
        Assert.Empty(view.RawBody);
        Assert.Contains("empty message", view.Notes);
    }

    [Fact]
    public void EightBitJunkInHeadersIsDecodedWithoutThrowing()
    {
        var view = Mail.Parse("Subject: Gr\u00fc\u00dfe \u0001\u0002 \u00ff\u00fe\nFrom: J\u00f6rg <j@example.de>\n\nbody\n");

        Assert.Equal("Gr\u00fc\u00dfe \u0001\u0002 \u00ff\u00fe", view.Headers.GetJoined("Subject"));
        Assert.Equal(["j@example.de"], view.Headers.GetAddresses("From"));
    }

    [Fact]
    public void MalformedHeaderLineIsSkippedAndTheRestKept()
    {
        var view = Mail.Parse("Subject: hi\nthis line is no header\nFrom: a@example.com\n\nbody\n");

        Assert.Equal("hi", view.Headers.GetJoined("Subject"));
        Assert.All(view.Headers, h => Assert.DoesNotContain(' ', h.Name));
        Assert.Contains("malformed header line skipped", view.Notes);
    }

    [Fact]
    public void TruncatedBase64PartKeepsWhatWasThere()
    {
        string encoded = Convert.ToBase64String(Encoding.ASCII.GetBytes("The quick brown fox jumps over the lazy dog again and again"));
        var view = Mail.Parse(
            $"Subject: b64\nContent-Type: multipart/mixed; boundary=B\n\n--B\nContent-Type: text/plain\nContent-Transfer-Encoding: base64\n\n{encoded[..41]}");

        Assert.StartsWith("The quick brown fox jumps", view.Body[1], StringComparison.Ordinal);
    }

    [Fact]
    public void HeadersOnlyMessageHasNoBodyText()
    {
        var view = Mail.Parse("Subject: only headers\nFrom: a@example.com");

        Assert.Equal(["only headers"], view.Body.ToArray());
        Assert.True(view.BodyStartsWithSubject);
        Assert.Empty(view.RawBody);
        Assert.Empty(view.Attachments);
    }

    [Fact]
    public void NonMimeMessageIsOneTextPart()
    {
        var view = Mail.Parse("Subject: plain\n\nline1\nline2\n\n\n  para2  \n");

        Assert.Equal(["plain", "line1 line2", "para2"], view.Body.ToArray());
        Assert.Equal(["line1", "line2", "", "", "  para2  "], view.RawBody.ToArray());
    }

    [Fact]
    public void RandomBinaryNeverThrows()
    {
        var random = new Random(42);
        for (int i = 0; i < 200; i++)
        {
            var bytes = new byte[random.Next(0, 4000)];
            random.NextBytes(bytes);
            if (i % 2 == 0 && bytes.Length > 40)
            {
                // Half the inputs start like a MIME mail so the parser goes deeper before meeting junk.
                Encoding.ASCII.GetBytes("Content-Type: multipart/mixed; boundary=x\n\n--x\n").CopyTo(bytes, 0);
            }

            var view = MessageView.Parse(bytes);
            Assert.NotNull(view.Body);
        }
    }
}
