using Prefilter.DevServices.FunctionsHost;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Functions.Tests.Hosting;

/// <summary>
/// Mail through the deployed code path: a blob in <c>incoming/</c>, its BlobCreated event delivered to the worker as
/// the blob extension delivers it (model-binding data, from which the worker's converter builds the BlobClient),
/// <c>ScanMail</c>, the deliver queue, and the worker's hosted delivery processor relaying to the downstream.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class MailFlowTests(FunctionsHostFixture fixture)
{
    [Fact]
    public async Task A_clean_mail_written_to_incoming_is_scanned_and_delivered_by_the_worker()
    {
        var recipient = FunctionsHostFixture.NewRecipient();
        var stored = await fixture.StoreMailAsync(recipient, "See you at lunch.");

        var outcome = Assert.Single(await fixture.Host.DeliverBlobCreatedAsync(PipelineContainers.IncomingName, stored.Name));

        Assert.True(outcome.Succeeded, outcome.Error);
        var received = await fixture.WaitForDeliveryAsync(recipient);
        Assert.Equal("sender@fabrikam.example", received.Sender);
        Assert.Equal("Deliver", received.ToMimeMessage().Headers["X-Prefilter-Verdict"]);
        Assert.Equal(MailOutcome.Delivered, (await fixture.WaitForOutcomeAsync(stored.Name)).Outcome);
    }

    [Fact]
    public async Task A_spam_mail_is_quarantined_and_never_reaches_the_downstream()
    {
        var recipient = FunctionsHostFixture.NewRecipient();
        var stored = await fixture.StoreMailAsync(recipient, "Cheap viagra here.");

        var outcome = Assert.Single(await fixture.Host.DeliverBlobCreatedAsync(PipelineContainers.IncomingName, stored.Name));

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Equal(MailOutcome.Quarantined, (await fixture.WaitForOutcomeAsync(stored.Name)).Outcome);
        Assert.True(await fixture.Mails.IsQuarantinedAsync(stored.Name));
        Assert.DoesNotContain(fixture.Downstream.Messages, message => message.Recipients.Contains(recipient));
    }

    [Fact]
    public async Task An_event_for_a_blob_outside_every_trigger_path_invokes_nothing() =>
        Assert.Empty(await fixture.Host.DeliverBlobCreatedAsync(PipelineContainers.ConfigName, "domains.json"));

    [Fact]
    public async Task An_event_for_a_deleted_blob_is_logged_by_the_worker_under_its_invocation()
    {
        // Event Grid can deliver an event after the blob is gone; the scan says so and completes.
        const string blobName = "2026/12/07/no-such-mail.eml";

        var outcome = Assert.Single(await fixture.Host.DeliverBlobCreatedAsync(PipelineContainers.IncomingName, blobName));

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Contains(outcome.Logs, log => log.Message.Contains($"{blobName} no longer exists", StringComparison.Ordinal));
    }
}
