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

        var progress = DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], deferred), DownstreamProgress.Pending);

        Assert.True(DownstreamProgressMarker.Format(progress).Length <= MailMetadata.MaxValueLength);
        var read = DownstreamProgressMarker.Parse(DownstreamProgressMarker.Format(progress));
        Assert.Equal(DownstreamState.Deferred, read.State);
        Assert.Equal(deferred.Select(d => d.Recipient), read.Waiting(recipients));
    }

    [Fact]
    public void Refusals_before_a_deferral_make_its_last_attempt_partly_refused()
    {
        var first = DownstreamProgress.Accepted(
            Mx,
            new SmtpRelayResult("250 OK", [new RecipientRefusal("bob@alpha.example", 550, "no such user")], [new RecipientRefusal("carol@alpha.example", 452, "full")]),
            DownstreamProgress.Pending);

        var last = DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], []), first);

        Assert.Equal(DownstreamState.PartlyRefused, last.State);
        Assert.Contains("bob@alpha.example 550 no such user", last.Description);
        Assert.True(first.HasRefusals);
    }

    [Fact]
    public void A_deferral_without_refusals_ends_delivered()
    {
        var first = DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], [new RecipientRefusal("carol@alpha.example", 452, "full")]), DownstreamProgress.Pending);

        var last = DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], []), first);

        Assert.False(first.HasRefusals);
        Assert.Equal(DownstreamState.Delivered, last.State);
        Assert.Equal(["carol@alpha.example"], first.Waiting(["alice@alpha.example", "carol@alpha.example"]));
    }

    [Fact]
    public void A_settled_relay_waits_for_nobody_and_a_pending_one_for_everybody()
    {
        string[] recipients = ["alice@alpha.example", "carol@alpha.example"];
        var delivered = DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], []), DownstreamProgress.Pending);
        var refused = DownstreamProgress.Refused(new PermanentRelayException("mx.alpha.example:25", 550, "rejected"), DownstreamProgress.Pending);

        Assert.Equal(recipients, DownstreamProgress.Pending.Waiting(recipients));
        Assert.Empty(delivered.Waiting(recipients));
        Assert.Empty(refused.Waiting(recipients));
        Assert.True(refused.HasRefusals);
    }
}
