using Microsoft.Extensions.Logging;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Storage;

/// <summary>The one log line a mail gets at its final outcome, from the scan stage (quarantine, dead letter without an envelope).</summary>
[Collection(PipelineCollection.Name)]
public sealed class MailOutcomeLogTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task A_quarantined_mail_gets_one_line_with_envelope_action_score_set_version_and_ms_and_a_queued_one_none_yet()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        var version = $"log-{Guid.NewGuid():N}";
        await bed.ActivateAsync(TestData.Set(version));
        var spam = await bed.StoreMailAsync(TestData.Mail("cheap viagra"), "spammer@fabrikam.example", "alice@contoso.example", "bob@contoso.example");
        var clean = await bed.StoreMailAsync(TestData.Mail("Lunch on Friday?"), "bob@fabrikam.example", "alice@contoso.example");
        bed.Time.Advance(TimeSpan.FromMilliseconds(1500));

        await bed.Scan.ScanAsync(spam.Name);
        await bed.Scan.ScanAsync(clean.Name);

        var line = Assert.Single(bed.Logs.Entries, entry => entry.EventId.Id == MailOutcomeLog.EventId);
        Assert.Equal(LogLevel.Information, line.Level);
        Assert.Equal(
            $"Mail {spam.Name} Quarantined: from spammer@fabrikam.example to alice@contoso.example,bob@contoso.example, Quarantine score 17, set {version}, 1500 ms",
            line.Message);
    }

    [Fact]
    public async Task A_mail_without_an_envelope_is_one_warning_with_its_reason()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var name = MailBlobName.Create(bed.Time.GetUtcNow());
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Incoming).GetBlobClient(name).UploadAsync(BinaryData.FromString(TestData.Mail("no envelope")));

        await bed.Scan.ScanAsync(name);

        var line = Assert.Single(bed.Logs.Entries, entry => entry.EventId.Id == MailOutcomeLog.EventId);
        Assert.Equal(LogLevel.Warning, line.Level);
        Assert.StartsWith($"Mail {name} DeadLettered: from ? to ?, none score 0, set none, ", line.Message, StringComparison.Ordinal);
        Assert.Contains("ms: no usable SMTP envelope", line.Message, StringComparison.Ordinal);
    }
}
