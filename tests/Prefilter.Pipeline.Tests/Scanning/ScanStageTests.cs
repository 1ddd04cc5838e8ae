using System.Text;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.DependencyInjection;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Telemetry;
using Prefilter.Pipeline.Tests.Fixtures;
using Prefilter.Pipeline.Tests.Telemetry;

namespace Prefilter.Pipeline.Tests.Scanning;

[Collection(PipelineCollection.Name)]
public sealed class ScanStageTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    private static async Task<PipelineTestBed> BedAsync(AzuriteFixture azurite, DevBrokerFixture broker, IDictionary<string, string?>? settings = null, bool activate = true)
    {
        var bed = await PipelineTestBed.CreateAsync(azurite, broker, settings);
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"), PipelineTestBed.Domain("fabrikam.example"));
        if (activate)
        {
            await bed.ActivateAsync(TestData.Set("v1"));
        }

        return bed;
    }

    [Fact]
    public async Task Clean_mail_sends_one_claim_check_with_a_stable_id_and_records_the_outcome()
    {
        await using var bed = await BedAsync(azurite, broker);
        var stored = await bed.StoreMailAsync(TestData.Mail("Lunch on Friday?"), "bob@fabrikam.example", "alice@contoso.example", "bcc@contoso.example");

        var result = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(ScanDisposition.Queued, result.Disposition);
        var message = Assert.Single(await bed.DrainQueueAsync());
        var check = ClaimCheck.Parse(message.Body);
        Assert.Equal(ClaimCheck.MessageIdFor(stored.Name, stored.ETag), message.MessageId);
        Assert.Equal(stored.Name, check.BlobName);
        Assert.Equal(stored.ETag.ToString(), check.ETag);
        Assert.Equal(VerdictAction.Deliver, check.Verdict.Action);
        Assert.Equal(PatternSetJson.ComputeDigest(TestData.Set("v1")), check.Verdict.SetDigest);
        Assert.Equal(new Dictionary<string, VerdictAction> { ["contoso.example"] = VerdictAction.Deliver }, check.DomainVerdicts);
        Assert.Null(check.EnvelopeBlobName);

        var info = await bed.Mails.GetInfoAsync(stored.Name);
        Assert.Equal(MailOutcome.Scanned, info.Outcome);
        Assert.Equal(check.Verdict.SetDigest, info.Verdict!.SetDigest);
    }

    [Fact]
    public async Task Each_scan_is_measured_with_the_set_version_its_role_and_the_action()
    {
        await using var bed = await BedAsync(azurite, broker);
        using var metrics = new MetricRecorder();
        var clean = await bed.StoreMailAsync(TestData.Mail("Lunch on Friday?"), "bob@fabrikam.example", "alice@contoso.example");
        var spam = await bed.StoreMailAsync(TestData.Mail("Cheap viagra, today only"), "bob@fabrikam.example", "alice@contoso.example");

        await bed.Scan.ScanAsync(clean.Name);
        await bed.Scan.ScanAsync(spam.Name);

        var scans = metrics.Of(PipelineMetrics.ScanDurationName);
        Assert.Equal(2, scans.Count);
        Assert.All(scans, scan =>
        {
            Assert.Equal("v1", scan.Tags["prefilter.set.version"]);
            Assert.Equal("active", scan.Tags["prefilter.set.role"]);
            Assert.Equal(false, scan.Tags["prefilter.scan.incomplete"]);
        });
        Assert.Equal(["deliver", "quarantine"], scans.Select(scan => scan.Tags["prefilter.verdict.action"]));
    }

    [Fact]
    public async Task Spam_is_copied_to_quarantine_and_not_queued()
    {
        await using var bed = await BedAsync(azurite, broker);
        var stored = await bed.StoreMailAsync(TestData.Mail("Cheap viagra, today only"), "spammer@fabrikam.example", "alice@contoso.example");

        var result = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(ScanDisposition.Quarantined, result.Disposition);
        Assert.Equal(VerdictAction.Quarantine, result.Verdict!.Action);
        Assert.Equal(["CHEAP_WORD", "VIAGRA_WORD"], result.Verdict.Rules.Order());
        Assert.Equal(0, bed.QueueCounts.Active);
        Assert.True(await bed.Mails.IsQuarantinedAsync(stored.Name));
        Assert.Equal(MailOutcome.Quarantined, (await bed.Mails.GetInfoAsync(stored.Name)).Outcome);
    }

    [Fact]
    public async Task A_domain_with_its_own_thresholds_still_gets_mail_the_set_would_quarantine()
    {
        await using var bed = await BedAsync(azurite, broker);
        await bed.Services.GetRequiredService<Pipeline.Domains.DomainPolicyStore>().WriteAsync(
            new Pipeline.Domains.DomainPolicy([PipelineTestBed.Domain("contoso.example", new Thresholds(5, 50)), PipelineTestBed.Domain("fabrikam.example")]),
            (await azurite.Blobs.GetBlobContainerClient(bed.Containers.Config).GetBlobClient(Pipeline.Domains.DomainPolicyStore.BlobName).GetPropertiesAsync()).Value.ETag);
        var stored = await bed.StoreMailAsync(TestData.Mail("viagra"), "x@fabrikam.example", "alice@contoso.example", "bob@fabrikam.example");

        var result = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(ScanDisposition.Queued, result.Disposition);
        var check = ClaimCheck.Parse(Assert.Single(await bed.DrainQueueAsync()).Body);
        Assert.Equal(VerdictAction.Tag, check.DomainVerdicts["contoso.example"]);
        Assert.Equal(VerdictAction.Quarantine, check.DomainVerdicts["fabrikam.example"]);
        Assert.True(await bed.Mails.IsQuarantinedAsync(stored.Name));
    }

    [Fact]
    public async Task The_same_blob_scanned_again_never_makes_a_second_message()
    {
        await using var bed = await BedAsync(azurite, broker);
        var stored = await bed.StoreMailAsync(TestData.Mail("hello"), "bob@fabrikam.example", "alice@contoso.example");

        // An earlier attempt sent its claim check and crashed before recording the outcome.
        await bed.Services.GetRequiredService<ClaimCheckSender>().SendAsync(new ClaimCheck
        {
            BlobName = stored.Name,
            ETag = stored.ETag.ToString(),
            Verdict = new ScanVerdict { Action = VerdictAction.Deliver, Score = 0, Rules = [], SetDigest = "first-attempt" },
            DomainVerdicts = new Dictionary<string, VerdictAction> { ["contoso.example"] = VerdictAction.Deliver },
            ScannedAt = bed.Time.GetUtcNow(),
        });
        var retried = await bed.Scan.ScanAsync(stored.Name);
        var duplicateEvent = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(ScanDisposition.Queued, retried.Disposition);
        Assert.Equal(ScanDisposition.AlreadyHandled, duplicateEvent.Disposition);
        var message = Assert.Single(await bed.DrainQueueAsync());
        Assert.Equal("first-attempt", ClaimCheck.Parse(message.Body).Verdict.SetDigest);
        Assert.Equal(MailOutcome.Scanned, (await bed.Mails.GetInfoAsync(stored.Name)).Outcome);
    }

    [Theory]
    [InlineData(100.0, true)]
    [InlineData(0.0, false)]
    public async Task A_canary_scans_its_share_of_mail_and_is_counted_by_role(double share, bool canaryScans)
    {
        await using var bed = await BedAsync(azurite, broker);
        var candidate = await bed.Patterns.StoreSetAsync(TestData.Set("v2", new Rule { Id = "LUNCH", Kind = RuleKind.Body, Pattern = "(?i)lunch", Score = 1 }));
        var read = (await bed.Patterns.ReadStateAsync())!.Snapshot!;
        await bed.Patterns.WriteStateAsync(read.State with { Canary = new PatternCanary(candidate, share, 0, bed.Time.GetUtcNow()) }, read.ETag);
        bed.PassRefreshInterval();
        var stored = await bed.StoreMailAsync(TestData.Mail("Lunch on Friday?"), "bob@fabrikam.example", "alice@contoso.example");

        var result = await bed.Scan.ScanAsync(stored.Name);

        var active = PatternSetJson.ComputeDigest(TestData.Set("v1"));
        Assert.Equal(canaryScans ? candidate.Digest : active, result.Verdict!.SetDigest);
        Assert.Equal(canaryScans ? ["LUNCH"] : [], result.Verdict.Rules);
        Assert.Equal(canaryScans ? 1 : 0, bed.Stats.Current(candidate.Digest, ScanRole.Canary).Count);
        Assert.Equal(canaryScans ? 0 : 1, bed.Stats.Current(active, ScanRole.Active).Count);
    }

    [Fact]
    public async Task A_canary_that_cannot_be_loaded_leaves_all_mail_on_the_active_set()
    {
        await using var bed = await BedAsync(azurite, broker);
        var read = (await bed.Patterns.ReadStateAsync())!.Snapshot!;
        await bed.Patterns.WriteStateAsync(read.State with { Canary = new PatternCanary(new PatternSetRef("v404", new string('0', 64)), 100, 0, bed.Time.GetUtcNow()) }, read.ETag);
        bed.PassRefreshInterval();
        var stored = await bed.StoreMailAsync(TestData.Mail("hello"), "bob@fabrikam.example", "alice@contoso.example");

        var result = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(PatternSetJson.ComputeDigest(TestData.Set("v1")), result.Verdict!.SetDigest);
        Assert.Contains(bed.Logs.Entries, entry => entry.Level == Microsoft.Extensions.Logging.LogLevel.Error && entry.Exception is PatternSetNotFoundException);
    }

    [Fact]
    public async Task With_no_pattern_set_mail_is_held_until_one_is_active()
    {
        await using var bed = await BedAsync(azurite, broker, activate: false);
        var stored = await bed.StoreMailAsync(TestData.Mail("hello"), "bob@fabrikam.example", "alice@contoso.example");

        await Assert.ThrowsAsync<PatternSetUnavailableException>(() => bed.Scan.ScanAsync(stored.Name));
        Assert.Null((await bed.Mails.GetInfoAsync(stored.Name)).Outcome);
        Assert.Equal(0, bed.QueueCounts.Active);

        await bed.ActivateAsync(TestData.Set("v1"));
        bed.PassRefreshInterval();
        Assert.Equal(ScanDisposition.Queued, (await bed.Scan.ScanAsync(stored.Name)).Disposition);
    }

    [Fact]
    public async Task With_no_pattern_set_and_deliver_unscanned_mail_goes_on_marked_incomplete()
    {
        await using var bed = await BedAsync(azurite, broker, new Dictionary<string, string?> { ["Patterns:noPatternSetPolicy"] = "DeliverUnscanned" }, activate: false);
        var stored = await bed.StoreMailAsync(TestData.Mail("viagra"), "bob@fabrikam.example", "alice@contoso.example");

        var result = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(ScanDisposition.Queued, result.Disposition);
        Assert.True(result.Verdict!.Incomplete);
        Assert.Equal("", result.Verdict.SetDigest);
        Assert.Contains("DeliverUnscanned", result.Verdict.Reason);
        Assert.Equal(1, bed.QueueCounts.Active);
    }

    [Fact]
    public async Task Mail_over_the_pipeline_cap_gets_a_verdict_with_the_reason()
    {
        await using var bed = await BedAsync(azurite, broker, new Dictionary<string, string?> { ["Scanning:maxMailBytes"] = "4096", ["Scanning:oversizedAction"] = "Tag" });
        var stored = await bed.StoreMailAsync(TestData.Mail("viagra " + new string('x', 10_000)), "bob@fabrikam.example", "alice@contoso.example");

        var result = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(ScanDisposition.Queued, result.Disposition);
        Assert.Equal(VerdictAction.Tag, result.Verdict!.Action);
        Assert.True(result.Verdict.Incomplete);
        Assert.Contains("MaxMailBytes = 4096", result.Verdict.Reason);
        Assert.Contains("MaxMailBytes = 4096", (await bed.Mails.GetInfoAsync(stored.Name)).Metadata[MailMetadata.Reason]);
    }

    [Fact]
    public async Task Mail_over_the_cap_can_be_quarantined_without_loading_it()
    {
        await using var bed = await BedAsync(azurite, broker, new Dictionary<string, string?> { ["Scanning:maxMailBytes"] = "4096", ["Scanning:oversizedAction"] = "Quarantine" });
        var raw = TestData.Mail(new string('z', 20_000));
        var stored = await bed.StoreMailAsync(raw, "bob@fabrikam.example", "alice@contoso.example");

        var result = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(ScanDisposition.Quarantined, result.Disposition);
        var copy = azurite.Blobs.GetBlobContainerClient(bed.Containers.Quarantine).GetBlobClient(stored.Name);
        Assert.Equal(Encoding.UTF8.GetBytes(raw), (await copy.DownloadContentAsync()).Value.Content.ToArray());
        Assert.Equal(0, bed.QueueCounts.Active);
    }

    [Fact]
    public async Task A_50_MB_mail_is_scanned_and_travels_as_a_small_claim_check()
    {
        await using var bed = await BedAsync(azurite, broker);
        var line = "Quarterly figures attached, nothing cheap about them. " + new string('y', 40) + "\r\n";
        var body = new StringBuilder(TestData.Mail("Big report").Length + (50 * 1024 * 1024));
        while (body.Length < 50 * 1024 * 1024)
        {
            body.Append(line);
        }

        var stored = await bed.StoreMailAsync(TestData.Mail(body.ToString()), "bob@fabrikam.example", "alice@contoso.example");
        Assert.True(stored.Length >= 50 * 1024 * 1024);

        var result = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(ScanDisposition.Queued, result.Disposition);
        Assert.NotEqual("", result.Verdict!.SetDigest);
        var message = Assert.Single(await bed.DrainQueueAsync());
        Assert.True(message.Body.ToMemory().Length < 4096);
        Assert.Equal(MailOutcome.Scanned, (await bed.Mails.GetInfoAsync(stored.Name)).Outcome);
    }

    [Fact]
    public async Task Unparseable_bytes_still_get_a_verdict()
    {
        await using var bed = await BedAsync(azurite, broker);
        var garbage = new byte[20_000];
        new Random(7).NextBytes(garbage);
        var stored = await bed.Mails.StoreAsync(BinaryData.FromBytes(garbage), new MailEnvelope("", ["alice@contoso.example"]), "test");

        var result = await bed.Scan.ScanAsync(stored.Name);

        Assert.Equal(ScanDisposition.Queued, result.Disposition);
        Assert.NotNull(result.Verdict);
    }

    [Fact]
    public async Task Blobs_that_are_not_mail_missing_or_without_an_envelope_are_handled_without_retry()
    {
        await using var bed = await BedAsync(azurite, broker);
        var name = MailBlobName.Create(bed.Time.GetUtcNow());
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Incoming).GetBlobClient(name).UploadAsync(BinaryData.FromString(TestData.Mail("no envelope")));

        Assert.Equal(ScanDisposition.NotMail, (await bed.Scan.ScanAsync(name + MailBlobName.EnvelopeSuffix)).Disposition);
        Assert.Equal(ScanDisposition.Missing, (await bed.Scan.ScanAsync("20260101T000000000Z-gone.eml")).Disposition);
        var dead = await bed.Scan.ScanAsync(name);

        Assert.Equal(ScanDisposition.DeadLettered, dead.Disposition);
        var info = await bed.Mails.GetInfoAsync(name);
        Assert.Equal(MailOutcome.DeadLettered, info.Outcome);
        Assert.Contains("no usable SMTP envelope", info.Metadata[MailMetadata.Reason]);
        Assert.Equal(0, bed.QueueCounts.Active);
    }
}
