using System.Text;
using Azure;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Addressing;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Storage;

[Collection(PipelineCollection.Name)]
public sealed class MailStoreTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task Envelope_round_trips_with_a_bcc_recipient_absent_from_the_headers()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var raw = TestData.Mail("hello", to: "alice@contoso.example");

        var stored = await bed.StoreMailAsync(raw, "sender@fabrikam.example", "alice@contoso.example", "hidden-bcc@contoso.example");
        var read = await bed.Mails.DownloadAsync(stored.Name);

        Assert.Equal("sender@fabrikam.example", read.Envelope.MailFrom);
        Assert.Equal(["alice@contoso.example", "hidden-bcc@contoso.example"], read.Envelope.Recipients);
        Assert.Equal(Encoding.UTF8.GetBytes(raw), read.Content.ToArray());
        Assert.True(read.Info.Metadata.ContainsKey(MailMetadata.Envelope));
        Assert.Null(read.Info.Outcome);
    }

    [Fact]
    public async Task Many_recipients_and_non_ascii_addresses_go_to_a_companion_blob_and_round_trip()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var recipients = Enumerable.Range(0, 400).Select(i => $"user{i}@contoso.example").Append("jürgen@bücher.example").Append("用户@例子.example").ToArray();

        var stored = await bed.StoreMailAsync(TestData.Mail("many"), "", recipients);
        var read = await bed.Mails.DownloadAsync(stored.Name);

        Assert.Equal(recipients, read.Envelope.Recipients);
        Assert.Equal("", read.Envelope.MailFrom);
        Assert.Equal(MailBlobName.EnvelopeOf(stored.Name), read.Info.Metadata[MailMetadata.EnvelopeBlob]);
        Assert.False(read.Info.Metadata.ContainsKey(MailMetadata.Envelope));

        var listed = new List<string>();
        await foreach (var mail in bed.Mails.ListAsync(""))
        {
            listed.Add(mail.Name);
        }

        Assert.Equal([stored.Name], listed);
    }

    [Fact]
    public async Task Names_are_unique_and_sort_by_arrival()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var first = await bed.StoreMailAsync(TestData.Mail("1"), "a@fabrikam.example", "alice@contoso.example");
        bed.Time.Advance(TimeSpan.FromMilliseconds(5));
        var second = await bed.StoreMailAsync(TestData.Mail("2"), "a@fabrikam.example", "alice@contoso.example");
        var sameInstant = await bed.StoreMailAsync(TestData.Mail("3"), "a@fabrikam.example", "alice@contoso.example");

        Assert.True(string.CompareOrdinal(first.Name, second.Name) < 0);
        Assert.NotEqual(second.Name, sameInstant.Name);
        Assert.StartsWith(MailBlobName.DayPrefix(bed.Time.GetUtcNow()), first.Name);
    }

    [Fact]
    public async Task Outcome_is_recorded_only_against_the_etag_that_was_read()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var stored = await bed.StoreMailAsync(TestData.Mail("x"), "a@fabrikam.example", "alice@contoso.example");
        var verdict = new ScanVerdict { Action = VerdictAction.Tag, Score = 6.5, Rules = ["CHEAP_WORD", "OTHER"], SetDigest = "abc" };

        var scanned = await bed.Mails.RecordOutcomeAsync(stored, new MailOutcomeRecord(MailOutcome.Scanned, bed.Time.GetUtcNow()) { Verdict = verdict });
        var conflict = await Assert.ThrowsAsync<MailOutcomeConflictException>(() =>
            bed.Mails.RecordOutcomeAsync(stored, new MailOutcomeRecord(MailOutcome.DeadLettered, bed.Time.GetUtcNow()) { Reason = "stale writer" }));
        var delivered = await bed.Mails.RecordOutcomeAsync(scanned, new MailOutcomeRecord(MailOutcome.Delivered, bed.Time.GetUtcNow()) { Reason = "250 2.0.0 queued as 1234 – ok" });

        var info = await bed.Mails.GetInfoAsync(stored.Name);
        Assert.Equal(stored.ETag, conflict.Expected);
        Assert.Equal(delivered.ETag, info.ETag);
        Assert.Equal(MailOutcome.Delivered, info.Outcome);
        var recorded = Assert.IsType<ScanVerdict>(info.Verdict);
        Assert.Equal((VerdictAction.Tag, 6.5, "abc"), (recorded.Action, recorded.Score, recorded.SetDigest));
        Assert.Equal(["CHEAP_WORD", "OTHER"], recorded.Rules);
        Assert.Equal("250 2.0.0 queued as 1234 ? ok", recorded.Reason);
        Assert.NotNull((await bed.Mails.DownloadAsync(stored.Name)).Envelope);
    }

    [Fact]
    public async Task Quarantine_copy_is_idempotent_and_keeps_the_envelope()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var recipients = Enumerable.Range(0, 300).Select(i => $"user{i}@contoso.example").ToArray();
        var stored = await bed.StoreMailAsync(TestData.Mail("spam"), "a@fabrikam.example", recipients);
        var mail = await bed.Mails.DownloadAsync(stored.Name);

        await bed.Mails.QuarantineAsync(mail);
        await bed.Mails.QuarantineAsync(mail);

        Assert.True(await bed.Mails.IsQuarantinedAsync(stored.Name));
        var copy = azurite.Blobs.GetBlobContainerClient(bed.Containers.Quarantine).GetBlobClient(stored.Name);
        Assert.Equal(mail.Content.ToArray(), (await copy.DownloadContentAsync()).Value.Content.ToArray());
        var companion = azurite.Blobs.GetBlobContainerClient(bed.Containers.Quarantine).GetBlobClient(MailBlobName.EnvelopeOf(stored.Name));
        Assert.Contains("user299@contoso.example", (await companion.DownloadContentAsync()).Value.Content.ToString());
    }

    [Fact]
    public async Task A_mail_without_an_envelope_is_reported_not_guessed_from_headers()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var name = MailBlobName.Create(bed.Time.GetUtcNow());
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Incoming).GetBlobClient(name).UploadAsync(BinaryData.FromString(TestData.Mail("dropped by hand")));

        var error = await Assert.ThrowsAsync<MailEnvelopeException>(() => bed.Mails.DownloadAsync(name));
        Assert.Contains("no SMTP envelope", error.Reason);
        await Assert.ThrowsAsync<MailNotFoundException>(() => bed.Mails.GetInfoAsync("20260101T000000000Z-missing.eml"));
    }

    [Theory]
    [InlineData("no-at-sign", "expected local-part@domain")]
    [InlineData("a@localhost", "not a fully qualified domain name")]
    [InlineData("a b@contoso.example", "not a valid local part")]
    [InlineData("a@contoso.example\r\nRCPT TO:<x@evil.example>", "not a domain name")]
    [InlineData("a%b@contoso.example", "percent hack")]
    public void Malformed_envelope_addresses_are_refused(string address, string reason)
    {
        var error = Assert.Throws<MailEnvelopeException>(() => new MailEnvelope("a@fabrikam.example", [address]));
        Assert.Contains(reason, error.Reason);
    }

    [Fact]
    public void Domains_are_normalised_for_lookup()
    {
        Assert.Equal("xn--bcher-kva.example", MailEnvelope.DomainOf("Jürgen@BÜCHER.example."));
        Assert.Throws<MailEnvelopeException>(() => new MailEnvelope("a@fabrikam.example", []));
    }
}
