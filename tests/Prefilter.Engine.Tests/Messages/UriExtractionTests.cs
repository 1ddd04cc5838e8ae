using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Tests.Messages;

public sealed class UriExtractionTests
{
    [Fact]
    public void SchemesAndBareHostsInTextAreFound()
    {
        var view = Mail.Parse(
            "Subject: links\n\nGo to http://a.example/path?q=1 or HTTPS://B.example, ftp://files.example/x.zip,\n" +
            "mail mailto:sales@c.example and visit www.d.example/offer now.\n");

        Assert.Equal(
            ["http://a.example/path?q=1", "HTTPS://B.example", "ftp://files.example/x.zip", "mailto:sales@c.example", "www.d.example/offer", "http://www.d.example/offer"],
            view.Uris.ToArray());
    }

    [Fact]
    public void BareAddressesAreListedAsMailto()
    {
        var view = Mail.Parse("Subject: a\n\nWrite to Sales.Team+x@Shop.example. or (info@b.example), not to a@b or @c.example\n");

        Assert.Equal(["mailto:Sales.Team+x@Shop.example", "mailto:info@b.example"], view.Uris.ToArray());
    }

    [Fact]
    public void TrailingPunctuationIsNotPartOfTheUri()
    {
        var view = Mail.Parse("Subject: p\n\n(see http://a.example/x). Or \"http://b.example/y\"!\n");

        Assert.Equal(["http://a.example/x", "http://b.example/y"], view.Uris.ToArray());
    }

    [Fact]
    public void WwwInsideWordsOrAddressesIsNotABareHost()
    {
        var view = Mail.Parse("Subject: w\n\nxwww.a.example user@www.b.example http://c.example/www.d.example www.\n");

        // The address is listed as an address, not as a web host.
        Assert.Equal(["http://c.example/www.d.example", "mailto:user@www.b.example"], view.Uris.ToArray());
    }

    [Fact]
    public void SchemeWithoutHostIsIgnored()
    {
        var view = Mail.Parse("Subject: s\n\nthe prefix http:// alone, mailto: alone\n");

        Assert.Empty(view.Uris);
    }

    [Fact]
    public void DuplicatesAreListedOnceInFirstSeenOrder()
    {
        var view = Mail.Parse(
            "Content-Type: text/html\n\n<a href=\"http://dup.example/\">http://dup.example/</a> http://other.example/ <a href='http://dup.example/'>again</a>");

        Assert.Equal(["http://dup.example/", "http://other.example/"], view.Uris.ToArray());
    }

    [Fact]
    public void UriInSubjectIsFound()
    {
        var view = Mail.Parse("Subject: claim at http://prize.example/now\n\nbody\n");

        Assert.Equal(["http://prize.example/now"], view.Uris.ToArray());
    }

    [Fact]
    public void UriCountAndLengthAreCapped()
    {
        var links = string.Join(' ', Enumerable.Range(0, 50).Select(i => $"http://h{i}.example/"));
        var limits = new MessageLimits { MaxUris = 10, MaxUriChars = 30 };
        var view = Mail.Parse($"Subject: many\n\n{links} http://long.example/{new string('a', 100)}\n", limits);

        Assert.Equal(10, view.Uris.Count);
        Assert.Equal(MessageParts.Uris, view.TruncatedParts);
        Assert.Contains("more than 10 URIs; the rest not read", view.Notes);

        var longView = Mail.Parse($"Subject: long\n\nhttp://long.example/{new string('a', 100)}\n", limits);
        Assert.Equal(30, longView.Uris[0].Length);
        Assert.Contains("URI cut at 30 characters", longView.Notes);
    }
}
