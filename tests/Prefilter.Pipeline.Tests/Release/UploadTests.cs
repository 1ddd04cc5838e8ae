using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

[Collection(PipelineCollection.Name)]
public sealed class UploadTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task An_upload_is_published_its_outcome_written_beside_it_and_a_second_trigger_changes_nothing()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        await bed.PatternsContainer.GetBlobClient("uploads/corp-v1.json").UploadAsync(BinaryData.FromString(PatternSetJson.Serialize(TestData.Set("v1"))));

        var queued = await bed.Release.ProcessUploadAsync("uploads/corp-v1.json");
        Assert.Equal((UploadOutcome.Queued, "v1"), (queued!.Outcome, queued.Version));
        Assert.Equal(queued.Outcome, (await bed.Documents.ReadUploadResultAsync("uploads/corp-v1.json"))!.Outcome);
        await bed.RunNextGateAsync();
        var first = await bed.Documents.ReadUploadResultAsync("uploads/corp-v1.json");
        await bed.Release.ProcessUploadAsync("uploads/corp-v1.json");
        await bed.RunNextGateAsync();
        var again = await bed.Documents.ReadUploadResultAsync("uploads/corp-v1.json");

        Assert.Equal((UploadOutcome.Activated, "v1", queued.Release), (first!.Outcome, first.Version, first.Release));
        Assert.Equal("sets/v1/gate-report.json", first.GateReport);
        Assert.Equal(UploadOutcome.AlreadyPublished, again!.Outcome);
        Assert.NotEqual(first.Release, again.Release);
        Assert.Equal("v1", (await bed.StateAsync()).Active!.Version);
        Assert.Single((await bed.StateAsync()).History);
        Assert.StartsWith("upload:uploads/corp-v1.json", (await bed.StateAsync()).History[0].Actor);

        // The outcome lives outside uploads/ (writing it must not trigger another upload) and the upload stays.
        var stored = await bed.Documents.ReadUploadResultAsync("uploads/corp-v1.json");
        Assert.Equal((again.Outcome, again.Version, again.Digest, again.At), (stored!.Outcome, stored.Version, stored.Digest, stored.At));
        Assert.Equal(["uploads/corp-v1.json"], await NamesAsync(bed, "uploads/"));
        Assert.Equal(["upload-results/corp-v1.json.json"], await NamesAsync(bed, "upload-results/"));
    }

    [Fact]
    public async Task A_bad_upload_gets_an_outcome_with_line_and_reason_and_is_kept()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Release:maxSetBytes"] = "4096" });
        var valid = PatternSetJson.Serialize(TestData.Set("v1"));
        await bed.PatternsContainer.GetBlobClient("uploads/broken.json").UploadAsync(BinaryData.FromString(valid.Replace("\"rules\"", "\"rulez\"")));
        await bed.PatternsContainer.GetBlobClient("uploads/unsafe.json").UploadAsync(BinaryData.FromString(valid.Replace("(?i)\\\\bviagra\\\\b", "(\\\\w+\\\\s?)*(?<!x)$")));
        await bed.PatternsContainer.GetBlobClient("uploads/huge.json").UploadAsync(BinaryData.FromString(valid + new string(' ', 5000)));
        await bed.PatternsContainer.GetBlobClient("uploads/binary.json").UploadAsync(BinaryData.FromBytes([0xff, 0xfe, 0x00]));

        var broken = await bed.Release.ProcessUploadAsync("uploads/broken.json");
        var unsafeSet = await bed.Release.ProcessUploadAsync("uploads/unsafe.json");
        var huge = await bed.Release.ProcessUploadAsync("uploads/huge.json");
        var binary = await bed.Release.ProcessUploadAsync("uploads/binary.json");

        Assert.All([broken, unsafeSet, huge, binary], result => Assert.Equal(UploadOutcome.Invalid, result!.Outcome));
        Assert.NotNull(Assert.Single(broken!.Findings).Line);
        var finding = Assert.Single(unsafeSet!.Findings);
        Assert.Equal("VIAGRA_WORD", finding.RuleId);
        Assert.NotNull(finding.Line);
        Assert.Contains("nested quantifier", finding.Reason);
        Assert.Equal("v1", unsafeSet.Version);
        Assert.Contains("MaxSetBytes", huge!.Error);
        Assert.Contains("UTF-8", binary!.Error);
        Assert.Null(await bed.Patterns.ReadStateAsync());
        Assert.Equal(4, (await NamesAsync(bed, "uploads/")).Count);
        Assert.Equal(4, (await NamesAsync(bed, "upload-results/")).Count);
    }

    [Fact]
    public async Task A_vanished_upload_is_nothing_to_do_and_names_outside_uploads_are_refused()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);

        Assert.Null(await bed.Release.ProcessUploadAsync("uploads/gone.json"));
        await Assert.ThrowsAsync<ArgumentException>(() => bed.Release.ProcessUploadAsync("state.json"));
        await Assert.ThrowsAsync<ArgumentException>(() => bed.Release.ProcessUploadAsync("uploads/"));
        Assert.Empty(await NamesAsync(bed, "upload-results/"));
    }

    private static async Task<List<string>> NamesAsync(ReleaseTestBed bed, string prefix)
    {
        var names = new List<string>();
        await foreach (var blob in bed.PatternsContainer.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, prefix, default))
        {
            names.Add(blob.Name);
        }

        return names;
    }
}
