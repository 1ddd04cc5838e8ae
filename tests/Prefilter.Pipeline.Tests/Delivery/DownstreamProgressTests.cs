using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Tests.Delivery;

public sealed class DownstreamProgressTests
{
    private static readonly Downstream Mx = new("mx.alpha.example", 25, TlsPolicy.None, null);

    [Fact]
    public void A_deferred_marker_names_every_waiting_recipient_even_when_the_replies_are_long()
    {
        var recipients = Enumerable.Range(0, 100).Select(i => $"recipient-with-a-long-local-part-{i}@alpha.example").ToList();
        var deferred = recipients.Take(DownstreamProgress.MaxDeferredRecipients).Select(r => new RecipientRefusal(r, 452, new string('x', 200))).ToList();

        var marker = DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], deferred), earlier: null);

        Assert.True(marker.Length <= MailMetadata.MaxValueLength);
        Assert.Equal(DownstreamState.Deferred, DownstreamProgress.StateOf(marker));
        Assert.Equal(deferred.Select(d => d.Recipient), DownstreamProgress.Waiting(marker, recipients));
    }

    [Fact]
    public void Refusals_before_a_deferral_make_its_last_attempt_partly_refused()
    {
        var first = DownstreamProgress.Accepted(
            Mx,
            new SmtpRelayResult("250 OK", [new RecipientRefusal("bob@alpha.example", 550, "no such user")], [new RecipientRefusal("carol@alpha.example", 452, "full")]),
            earlier: null);

        var last = DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], []), first);

        Assert.Equal(DownstreamState.PartlyRefused, DownstreamProgress.StateOf(last));
        Assert.Contains("bob@alpha.example 550 no such user", last);
        Assert.True(DownstreamProgress.HasRefusals(first));
    }

    [Fact]
    public void A_deferral_without_refusals_ends_delivered()
    {
        var first = DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], [new RecipientRefusal("carol@alpha.example", 452, "full")]), earlier: null);

        var last = DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], []), first);

        Assert.False(DownstreamProgress.HasRefusals(first));
        Assert.Equal(DownstreamState.Delivered, DownstreamProgress.StateOf(last));
        Assert.Equal(["carol@alpha.example"], DownstreamProgress.Waiting(first, ["alice@alpha.example", "carol@alpha.example"]));
    }

    [Fact]
    public void A_word_that_only_starts_like_a_state_is_not_one()
    {
        Assert.Equal(DownstreamState.PartlyRefused, DownstreamProgress.StateOf("partly-refused mx:25 refused a 550 x"));
        Assert.Equal(DownstreamState.Refused, DownstreamProgress.StateOf("refused mx:25 550 x"));
        Assert.Equal(DownstreamState.Pending, DownstreamProgress.StateOf("deferredness"));
    }
}
