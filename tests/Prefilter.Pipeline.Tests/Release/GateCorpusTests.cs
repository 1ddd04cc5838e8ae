using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

[Collection(PipelineCollection.Name)]
public sealed class GateCorpusTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task Sampling_picks_the_same_mail_every_time_at_the_configured_rate()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Corpus:sampleRate"] = "0.3" });
        var ids = Enumerable.Range(0, 200).Select(i => $"20261128T120000000Z-{i:D32}.eml").ToArray();
        var content = Encoding.UTF8.GetBytes(TestData.Mail("sampled"));

        var first = new List<string>();
        foreach (var id in ids)
        {
            if (await bed.Corpus.SampleAsync(id, content))
            {
                first.Add(id);
            }
        }

        // A second scan of the same mail (retry, reconciler) samples exactly the same mail and stores nothing twice.
        var second = new List<string>();
        foreach (var id in ids)
        {
            if (await bed.Corpus.SampleAsync(id, content))
            {
                second.Add(id);
            }
        }

        Assert.Equal(first, second);
        Assert.Equal(ids.Where(bed.Corpus.IsSampled), first);
        Assert.InRange(first.Count, 30, 90);
        var loaded = await bed.Corpus.LoadNewestAsync(1000);
        Assert.Equal(first.Order(), loaded.Select(message => message.Id[(message.Id.LastIndexOf('/') + 1)..]).Order());
        Assert.All(loaded, message => Assert.Equal(content, message.Content.ToArray()));
    }

    [Theory]
    [InlineData("1", 3)]
    [InlineData("0", 0)]
    public async Task The_scan_stage_samples_the_mail_it_scans(string rate, int expected)
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Corpus:sampleRate"] = rate });
        await bed.PublishPassingAsync(TestData.Set("v1"));
        var mails = bed.Services.GetRequiredService<MailStore>();
        var names = new List<string>();
        foreach (var body in new[] { "Lunch on Friday?", "Cheap viagra, today only", "Minutes attached" })
        {
            var stored = await mails.StoreAsync(BinaryData.FromString(TestData.Mail(body)), new MailEnvelope("bob@fabrikam.example", ["alice@contoso.example"]), "test");
            await bed.Services.GetRequiredService<ScanStage>().ScanAsync(stored.Name);
            names.Add(stored.Name);
        }

        var sample = await bed.Corpus.LoadNewestAsync(10);

        Assert.Equal(expected, sample.Count);
        Assert.All(sample, message => Assert.Contains(message.Id.Split('/')[^1], names));
    }

    [Fact]
    public async Task Mail_over_the_size_cap_is_not_sampled()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Corpus:maxMessageBytes"] = "2048" });

        Assert.True(await bed.Corpus.SampleAsync("small.eml", new byte[2048]));
        Assert.False(await bed.Corpus.SampleAsync("large.eml", new byte[2049]));
        Assert.Equal(["small.eml"], (await bed.Corpus.LoadNewestAsync(10)).Select(message => message.Id.Split('/')[^1]));
        await Assert.ThrowsAsync<ArgumentException>(() => bed.Corpus.SampleAsync("../escape.eml", new byte[10]));
    }

    [Fact]
    public async Task Retention_deletes_old_days_and_the_gate_gets_the_newest_mail_first()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Corpus:retention"] = "14.00:00:00" });
        await bed.SampleAsync("old", "old one", "old two");
        bed.Time.Advance(TimeSpan.FromDays(10));
        await bed.SampleAsync("middle", "middle one");
        bed.Time.Advance(TimeSpan.FromDays(10));
        await bed.SampleAsync("new", "new one", "new two");

        var newestThree = await bed.Corpus.LoadNewestAsync(3);
        Assert.Equal(["new", "new", "middle"], newestThree.Select(message => message.Id.Split('/')[^1].Split('-')[0]));

        Assert.Equal(2, await bed.Corpus.DeleteExpiredAsync());
        Assert.Equal(0, await bed.Corpus.DeleteExpiredAsync());
        var left = await bed.Corpus.LoadNewestAsync(100);
        Assert.Equal(["middle", "new", "new"], left.Select(message => message.Id.Split('/')[^1].Split('-')[0]).Order());
    }

    [Fact]
    public async Task An_empty_or_missing_corpus_is_an_empty_sample()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Corpus).DeleteIfExistsAsync();

        Assert.Empty(await bed.Corpus.LoadNewestAsync(10));
        Assert.Equal(0, await bed.Corpus.DeleteExpiredAsync());
    }
}
