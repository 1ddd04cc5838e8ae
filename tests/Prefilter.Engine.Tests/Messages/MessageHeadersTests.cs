using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Tests.Messages;

public sealed class MessageHeadersTests
{
    private const string Sample =
        "Received: from a.example by b.example;\n\tSat, 28 Nov 2026 10:00:00 +0000\n" +
        "Received: from c.example by a.example\n" +
        "Content-Type: text/plain; charset=utf-8\n" +
        "Subject: =?utf-8?B?R3LDvMOfZQ==?= and =?iso-8859-1?Q?caf=E9?=\n" +
        "From: \"Joe Q. Public\" <Joe@Example.COM>\n" +
        "To: =?utf-8?q?J=C3=B6rg?= <j@example.de>, Ann <ann@example.org>, team: x@example.net, y@example.net;\n" +
        "MIME-Version: 1.0\n" +
        "\nbody\n";

    [Fact]
    public void EncodedWordsAreDecodedAndRawValueKeepsThem()
    {
        var headers = Mail.Parse(Sample).Headers;

        var subject = Assert.Single(headers, h => h.Name == "Subject");
        Assert.Equal("Grüße and café", subject.Value);
        Assert.Equal(" =?utf-8?B?R3LDvMOfZQ==?= and =?iso-8859-1?Q?caf=E9?=", subject.RawValue);
    }

    [Fact]
    public void FieldsKeepTheirOrderWithContentFieldsInPlace()
    {
        var headers = Mail.Parse(Sample).Headers;

        Assert.Equal(
            ["Received", "Received", "Content-Type", "Subject", "From", "To", "MIME-Version"],
            headers.Select(h => h.Name).ToArray());
    }

    [Fact]
    public void FoldedValuesAreUnfolded()
    {
        var headers = Mail.Parse(Sample).Headers;

        Assert.Equal("from a.example by b.example;\tSat, 28 Nov 2026 10:00:00 +0000", headers[0].Value);
        Assert.Equal(" from a.example by b.example;\n\tSat, 28 Nov 2026 10:00:00 +0000", headers[0].RawValue);
    }

    [Fact]
    public void LookupIsCaseInsensitiveAndRepeatedFieldsJoinWithNewline()
    {
        var headers = Mail.Parse(Sample).Headers;

        Assert.True(headers.Contains("SUBJECT"));
        Assert.True(headers.Contains("content-type"));
        Assert.False(headers.Contains("X-Mailer"));
        Assert.Equal(2, headers.GetValues("received").Count);
        Assert.Equal(
            "from a.example by b.example;\tSat, 28 Nov 2026 10:00:00 +0000\nfrom c.example by a.example",
            headers.GetJoined("Received"));
        Assert.Null(headers.GetJoined("X-Mailer"));
        Assert.Empty(headers.GetValues("X-Mailer"));
    }

    [Fact]
    public void AllIsOneDecodedLinePerField()
    {
        var headers = Mail.Parse(Sample).Headers;

        string[] lines = headers.All.Split('\n');
        Assert.Equal(8, lines.Length);
        Assert.Equal("Subject: Grüße and café", lines[3]);
        Assert.Equal("MIME-Version: 1.0", lines[6]);
        Assert.Equal(string.Empty, lines[7]);
    }

    [Fact]
    public void AddressesAndDisplayNamesOfAddressHeaders()
    {
        var headers = Mail.Parse(Sample).Headers;

        Assert.Equal(["Joe@Example.COM"], headers.GetAddresses("from"));
        Assert.Equal(["Joe Q. Public"], headers.GetDisplayNames("From"));
        Assert.Equal(["j@example.de", "ann@example.org", "x@example.net", "y@example.net"], headers.GetAddresses("To"));
        Assert.Equal(["Jörg", "Ann", "", ""], headers.GetDisplayNames("To"));
        Assert.Empty(headers.GetAddresses("Cc"));
    }

    [Fact]
    public void UnparsableAddressHeaderFallsBackToWhatLooksLikeAnAddress()
    {
        var headers = Mail.Parse("From: Winner!!! <<prize@lottery.example>> ((\nReply-To: \"broken <x@y.example\n\nbody\n").Headers;

        Assert.Contains("prize@lottery.example", headers.GetAddresses("From"));
        Assert.Contains("x@y.example", headers.GetAddresses("Reply-To"));
    }

    [Fact]
    public void ValuesAreUnitsInFieldOrder()
    {
        var headers = Mail.Parse(Sample).Headers;

        Assert.Equal(headers.Count, headers.Values.Count);
        int hit = headers.Values.Text.IndexOf("café", StringComparison.Ordinal);
        Assert.Equal("Subject", headers[headers.Values.IndexOfUnitAt(hit)].Name);
    }
}
