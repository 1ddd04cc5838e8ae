using Prefilter.DevServices.Smtp;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Delivery;

/// <summary>
/// Every class of delivery failure ends with the mail dead-lettered and its outcome on the blob: nothing that was
/// answered 250 stays in flight. Downstream 5xx and retries running out are in <see cref="DeliveryPipelineTests"/>.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class DeliveryFailureTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Theory]
    [InlineData("user%evil.test@alpha.example", "percent hack")]
    [InlineData("\"user@evil.test\"@alpha.example", "quoted address")]
    [InlineData("a(b@alpha.example", "not a valid local part")]
    [InlineData("john..doe@alpha.example", "not a valid local part")]
    public async Task A_stored_recipient_no_door_would_accept_is_dead_lettered_at_once_and_never_relayed(string recipient, string reason)
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitRawAsync(DeliveryScenario.Mail("bob@alpha.example"), "sender@origin.example", [recipient]);

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.MailUnreadable, dead.DeadLetterReason);
        Assert.Contains(reason, dead.DeadLetterErrorDescription);
        var info = await scenario.WaitForOutcomeAsync(claim.BlobName);
        Assert.Equal(MailOutcome.DeadLettered, info.Outcome);
        Assert.Contains(reason, info.Metadata[MailMetadata.Reason]);
        Assert.Equal(1, dead.DeliveryCount);
        Assert.Equal(0, sink.DataAttempts);
    }

    [Fact]
    public async Task A_mail_that_is_not_a_message_is_dead_lettered_at_once()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync("no header here\r\n\r\njust text\r\n"u8.ToArray(), "sender@origin.example", ["bob@alpha.example"]);

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.MailUnreadable, dead.DeadLetterReason);
        Assert.Contains("not a message", dead.DeadLetterErrorDescription);
        Assert.Equal(MailOutcome.DeadLettered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        Assert.Equal(0, sink.DataAttempts);
    }

    [Fact]
    public async Task A_missing_downstream_credential_is_retried_then_dead_lettered_naming_the_setting()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker, maxAttempts: 2);
        var sink = await SmtpSink.StartAsync();
        await using var _ = sink;
        scenario.Serve("alpha.example", new Downstream(sink.Host, sink.Port, TlsPolicy.None, new DownstreamCredentials("relay", "Downstreams:alpha:Password")));
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(DeliveryScenario.Mail("bob@alpha.example"), "sender@origin.example", ["bob@alpha.example"]);

        var dead = await scenario.ReceiveDeadLetterAsync();
        Assert.Equal(DeadLetterReasons.RetriesExhausted, dead.DeadLetterReason);
        Assert.Contains("Downstreams:alpha:Password", dead.DeadLetterErrorDescription);
        var info = await scenario.WaitForOutcomeAsync(claim.BlobName);
        Assert.Equal(MailOutcome.DeadLettered, info.Outcome);
        Assert.Contains("gave up after 2 attempts", info.Metadata[MailMetadata.Reason]);
        Assert.Equal(0, sink.DataAttempts);
    }

    [Fact]
    public async Task A_quoted_local_part_accepted_at_the_door_is_delivered_with_its_quotes()
    {
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker);
        var sink = await scenario.ServeAsync("alpha.example");
        await scenario.StartAsync();

        var claim = await scenario.SubmitAsync(DeliveryScenario.Mail("john@alpha.example"), "sender@origin.example", ["\"john..doe\"@alpha.example", "\"john doe\"@alpha.example"]);

        Assert.Equal(MailOutcome.Delivered, (await scenario.WaitForOutcomeAsync(claim.BlobName)).Outcome);
        Assert.Equal(2, Assert.Single(sink.Messages).Recipients.Count);
    }
}
