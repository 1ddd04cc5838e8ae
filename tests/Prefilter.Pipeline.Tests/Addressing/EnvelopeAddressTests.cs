using Prefilter.Pipeline.Addressing;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Tests.Addressing;

public sealed class EnvelopeAddressTests
{
    private static readonly DomainPolicy Policy = new(
        [new ServedDomain("example.org", new Downstream("127.0.0.1", 25, TlsPolicy.None, null), null, false),
         new ServedDomain("xn--bcher-kva.example", new Downstream("127.0.0.1", 25, TlsPolicy.None, null), null, false)]);

    [Theory]
    [InlineData("user@example.org", "user", "example.org", "user@example.org")]
    [InlineData("\"john..doe\"@example.org", "john..doe", "example.org", "\"john..doe\"@example.org")]
    [InlineData("\"john doe\"@example.org", "john doe", "example.org", "\"john doe\"@example.org")]
    [InlineData("\"plain\"@example.org", "plain", "example.org", "plain@example.org")]
    [InlineData("\"a\\\"b\"@example.org", "a\"b", "example.org", "\"a\\\"b\"@example.org")]
    [InlineData("first.last+tag@Example.ORG.", "first.last+tag", "Example.ORG", "first.last+tag@Example.ORG")]
    [InlineData("jürgen@bücher.example", "jürgen", "bücher.example", "jürgen@bücher.example")]
    [InlineData("x@[192.0.2.1]", "x", "[192.0.2.1]", "x@[192.0.2.1]")]
    public void Parses_rfc_5321_mailboxes_and_writes_them_with_the_least_quoting(string text, string localPart, string domain, string written)
    {
        var address = EnvelopeAddress.Parse(text);

        Assert.Equal((localPart, domain, written), (address.LocalPart, address.Domain, address.ToString()));
        Assert.Equal(address, EnvelopeAddress.Parse(address.ToString()));
    }

    [Theory]
    [InlineData("a(b@example.org", "not a valid local part")]
    [InlineData("john..doe@example.org", "not a valid local part")]
    [InlineData("john doe@example.org", "not a valid local part")]
    [InlineData("user@evil.test@example.org", "not a domain name")]
    [InlineData("\"unclosed@example.org", "not closed")]
    [InlineData("\"ctl\u0001\"@example.org", "control character")]
    [InlineData("user@", "no domain")]
    [InlineData("@example.org", "source route must end")]
    [InlineData("user@exa mple.org", "not a domain name")]
    [InlineData("user@-bad.example", "not a domain name")]
    [InlineData("user@[999.1.1.1]", "not a domain name")]
    [InlineData("@relay.example:", "empty local part")]
    public void Refuses_what_is_not_a_mailbox_with_the_reason(string text, string reason)
    {
        Assert.False(EnvelopeAddress.TryParse(text, out _, out var error));
        Assert.Contains(reason, error);
    }

    [Theory]
    [InlineData("user%evil.test@example.org", "'%'")]
    [InlineData("\"user%evil.test\"@example.org", "'%'")]
    [InlineData("\"user@evil.test\"@example.org", "'@'")]
    [InlineData("evil.test!user@example.org", "'!'")]
    [InlineData("\"evil.test!user\"@example.org", "'!'")]
    [InlineData("@example.org:user@evil.test", "source route")]
    [InlineData("@relay.example,@example.org:user@example.org", "source route")]
    public void A_local_part_or_route_a_downstream_could_route_on_is_refused_even_in_a_served_domain(string text, string hazard)
    {
        var check = Policy.CheckRecipient(text);

        Assert.Equal(RecipientRejection.RoutingHazard, check.Rejection);
        Assert.Contains(hazard, check.Reason);
        Assert.Throws<MailEnvelopeException>(() => new MailEnvelope("s@example.net", [text]));
    }

    [Theory]
    [InlineData("postmaster@example.org")]
    [InlineData("Postmaster@EXAMPLE.org")]
    [InlineData("\"john doe\"@example.org")]
    [InlineData("jürgen@BÜCHER.example")]
    [InlineData("user@xn--bcher-kva.example")]
    public void Accepts_any_safe_local_part_in_a_served_domain(string text)
    {
        var check = Policy.CheckRecipient(text);

        Assert.True(check.IsAccepted, check.Reason);
        Assert.Equal(check.Address!.ToString(), Assert.Single(new MailEnvelope("", [text]).Recipients));
    }

    [Theory]
    [InlineData("user@example.net", RecipientRejection.DomainNotServed)]
    [InlineData("user@sub.example.org", RecipientRejection.DomainNotServed)]
    [InlineData("user@[127.0.0.1]", RecipientRejection.DomainNotServed)]
    [InlineData("a(b@example.org", RecipientRejection.Syntax)]
    public void Refuses_unserved_domains_and_bad_syntax(string text, RecipientRejection rejection)
    {
        Assert.Equal(rejection, Policy.CheckRecipient(text).Rejection);
    }

    [Fact]
    public void An_ascii_local_part_has_an_ascii_form_with_the_domain_in_punycode()
    {
        Assert.Equal("user@xn--bcher-kva.example", EnvelopeAddress.Parse("user@bücher.example").ToAsciiString());
        Assert.False(EnvelopeAddress.Parse("jürgen@example.org").HasAsciiForm);
        Assert.True(EnvelopeAddress.Parse("jürgen@example.org").IsInternational);
    }

    [Fact]
    public void A_sender_source_route_is_dropped()
    {
        Assert.Equal("user@example.net", new MailEnvelope("@relay.example:user@example.net", ["a@example.org"]).MailFrom);
    }
}
