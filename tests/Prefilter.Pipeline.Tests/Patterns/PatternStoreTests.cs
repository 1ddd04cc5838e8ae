using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Telemetry;
using Prefilter.Pipeline.Tests.Fixtures;
using Prefilter.Pipeline.Tests.Telemetry;

namespace Prefilter.Pipeline.Tests.Patterns;

[Collection(PipelineCollection.Name)]
public sealed class PatternStoreTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task State_changes_only_against_the_etag_read_and_a_conflict_is_typed()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var v1 = await bed.ActivateAsync(TestData.Set("v1"));
        var read = (await bed.Patterns.ReadStateAsync())!.Snapshot!;
        var v2 = await bed.Patterns.StoreSetAsync(TestData.Set("v2"));

        var winner = await bed.Patterns.WriteStateAsync(
            read.State with
            {
                Active = v2,
                LastKnownGood = v1,
                History = read.State.Append(new PatternStateChange(bed.Time.GetUtcNow(), ReleaseAction.Activate, v1, v2, "alice", null)),
            },
            read.ETag);
        var conflict = await Assert.ThrowsAsync<PatternStateConflictException>(() =>
            bed.Patterns.WriteStateAsync(read.State with { Active = null }, read.ETag));
        var createConflict = await Assert.ThrowsAsync<PatternStateConflictException>(() =>
            bed.Patterns.WriteStateAsync(new PatternState(), null));

        var state = (await bed.Patterns.ReadStateAsync())!.Snapshot!;
        Assert.Equal(read.ETag, conflict.Expected);
        Assert.Null(createConflict.Expected);
        Assert.Equal(winner, state.ETag);
        Assert.Equal(v2, state.State.Active);
        Assert.Equal(v1, state.State.LastKnownGood);
        Assert.Equal([ReleaseAction.Activate, ReleaseAction.Activate], state.State.History.Select(change => change.Action));
        Assert.Equal(PatternStateRead.NotModified, await bed.Patterns.ReadStateAsync(state.ETag));
    }

    [Fact]
    public async Task Unknown_state_properties_survive_a_rewrite()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.Patterns.EnsureContainerAsync();
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Patterns).GetBlobClient(PatternStore.StateBlobName)
            .UploadAsync(BinaryData.FromString("""{ "active": null, "history": [], "gateReports": { "v9": "refused" } }"""));

        await bed.ActivateAsync(TestData.Set("v1"));

        var state = (await bed.Patterns.ReadStateAsync())!.Snapshot!.State;
        Assert.Equal("refused", state.Extensions!["gateReports"].GetProperty("v9").GetString());
    }

    [Fact]
    public async Task Versions_are_immutable_and_reads_check_the_digest()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.Patterns.EnsureContainerAsync();
        var v1 = await bed.Patterns.StoreSetAsync(TestData.Set("v1"));

        Assert.Equal(v1, await bed.Patterns.StoreSetAsync(TestData.Set("v1")));
        var conflict = await Assert.ThrowsAsync<PatternSetVersionConflictException>(() =>
            bed.Patterns.StoreSetAsync(TestData.Set("v1", new Rule { Id = "EXTRA", Kind = RuleKind.Body, Pattern = "extra", Score = 1 })));
        Assert.Equal(v1.Digest, conflict.StoredDigest);

        var other = TestData.Set("v1") with { Description = "tampered" };
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Patterns).GetBlobClient(PatternStore.SetBlobName("v1"))
            .UploadAsync(BinaryData.FromBytes(PatternSetJson.ToCanonicalUtf8(other)), overwrite: true);
        var mismatch = await Assert.ThrowsAsync<PatternSetDigestMismatchException>(() => bed.Patterns.ReadSetAsync(v1));
        Assert.Equal((v1.Digest, PatternSetJson.ComputeDigest(other)), (mismatch.ExpectedDigest, mismatch.ActualDigest));

        var v2 = await bed.Patterns.StoreSetAsync(TestData.Set("v2"));
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Patterns).GetBlobClient(PatternStore.SetBlobName("v3"))
            .UploadAsync(BinaryData.FromBytes(PatternSetJson.ToCanonicalUtf8(TestData.Set("v2"))));
        var relabelled = await Assert.ThrowsAsync<PatternSetDigestMismatchException>(() => bed.Patterns.ReadSetAsync(new PatternSetRef("v3", v2.Digest)));
        Assert.Contains("says version v2", relabelled.Reason);
        await Assert.ThrowsAsync<PatternSetNotFoundException>(() => bed.Patterns.ReadSetAsync(new PatternSetRef("v404", v1.Digest)));
        Assert.Throws<ArgumentException>(() => PatternStore.SetBlobName("../state.json"));
        Assert.Equal(["v1", "v2", "v3"], await bed.Patterns.ListVersionsAsync());
    }
}

[Collection(PipelineCollection.Name)]
public sealed class ActivePatternSetProviderTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task A_new_active_version_is_picked_up_after_the_refresh_interval_without_restart()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var provider = bed.Services.GetRequiredService<ActivePatternSetProvider>();
        var v1 = await bed.ActivateAsync(TestData.Set("v1"));
        Assert.Equal(v1, (await provider.GetActiveAsync())!.Reference);

        var v2 = await bed.ActivateAsync(TestData.Set("v2", new Rule { Id = "NEW_RULE", Kind = RuleKind.Body, Pattern = "(?i)lottery", Score = 3 }));
        Assert.Equal(v1, (await provider.GetActiveAsync())!.Reference);

        bed.PassRefreshInterval();
        var active = await provider.GetActiveAsync();
        Assert.Equal(v2, active!.Reference);
        Assert.Equal(v2.Digest, active.Compiled.Digest);
        Assert.Contains(active.Compiled.Set.Rules, rule => rule.Id == "NEW_RULE");
    }

    [Fact]
    public async Task A_corrupt_active_set_keeps_the_previous_set_serving_and_logs_an_error()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var provider = bed.Services.GetRequiredService<ActivePatternSetProvider>();
        var v1 = await bed.ActivateAsync(TestData.Set("v1"));
        Assert.Equal(v1, (await provider.GetActiveAsync())!.Reference);

        // v2 is released properly, then its blob is overwritten with garbage before scanners read it.
        var v2 = await bed.ActivateAsync(TestData.Set("v2"));
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Patterns).GetBlobClient(PatternStore.SetBlobName("v2"))
            .UploadAsync(BinaryData.FromString("{ \"name\": \"v2\", \"rules\": [ {"), overwrite: true);
        bed.PassRefreshInterval();

        Assert.Equal(v1, (await provider.GetActiveAsync())!.Reference);
        Assert.NotNull(provider.LastError);
        Assert.Contains(bed.Logs.Entries, entry => entry.Level == LogLevel.Error && entry.Message.Contains("STILL SCANNING WITH v1", StringComparison.Ordinal));

        // A corrupt state.json is survived the same way.
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Patterns).GetBlobClient(PatternStore.StateBlobName)
            .UploadAsync(BinaryData.FromString("garbage"), overwrite: true);
        bed.PassRefreshInterval();
        Assert.Equal(v1, (await provider.GetActiveAsync())!.Reference);
        Assert.IsType<PatternStateFormatException>(provider.LastError);

        // Once fixed, the wanted set serves.
        var corruptETag = (await azurite.Blobs.GetBlobContainerClient(bed.Containers.Patterns).GetBlobClient(PatternStore.StateBlobName).GetPropertiesAsync()).Value.ETag;
        await bed.Patterns.WriteStateAsync(new PatternState { Active = v2 }, corruptETag);
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Patterns).GetBlobClient(PatternStore.SetBlobName("v2"))
            .UploadAsync(BinaryData.FromBytes(PatternSetJson.ToCanonicalUtf8(TestData.Set("v2"))), overwrite: true);
        bed.PassRefreshInterval();
        Assert.Equal(v2, (await provider.GetActiveAsync())!.Reference);
        Assert.Null(provider.LastError);
    }

    [Fact]
    public async Task A_set_with_its_compiled_artifact_is_served_without_analysing_it_here()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        using var metrics = new MetricRecorder();
        var set = TestData.Set("v1");
        var v1 = await bed.ActivateAsync(set);
        await bed.Patterns.StoreArtifactAsync(CompiledSetArtifact.Create(set));

        var active = await bed.Services.GetRequiredService<ActivePatternSetProvider>().GetActiveAsync();

        Assert.Equal(v1, active!.Reference);
        Assert.True(active.Compiled.LoadedFromArtifact);
        Assert.Equal(["artifact"], metrics.Of(PipelineMetrics.CompilesName).Select(compile => compile.Tags["source"]));
        Assert.DoesNotContain(bed.Logs.Entries, entry => entry.Message.Contains("compiled-set artifact", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_set_served_from_its_artifact_runs_the_hyperscan_databases_the_artifact_carries()
    {
        // Where Debian's libhyperscan5 is installed (CI installs it) and not switched off, the artifact carries the
        // databases and the instance loads them; elsewhere the same set serves from .NET's engines alone.
        var hyperscan = File.Exists("/usr/lib/x86_64-linux-gnu/libhs.so.5") && Environment.GetEnvironmentVariable("PREFILTER_HYPERSCAN") != "off";
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var set = TestData.Set("v1", new Rule { Id = "PERCENT_OFF", Kind = RuleKind.Body, Pattern = "[0-9]{2,}% off (?:today|now)", Score = 6 });
        await bed.ActivateAsync(set);
        await bed.Patterns.StoreArtifactAsync(CompiledSetArtifact.Create(set));

        var active = await bed.Services.GetRequiredService<ActivePatternSetProvider>().GetActiveAsync();
        var result = active!.Compiled.Scan(System.Text.Encoding.UTF8.GetBytes(TestData.Mail("Only this week: 40% off today.")));

        Assert.True(active.Compiled.LoadedFromArtifact);
        Assert.Equal(hyperscan ? ScanAccelerator.Hyperscan : ScanAccelerator.None, active.Compiled.Accelerator);
        Assert.Equal(hyperscan, active.Compiled.AcceleratedRegexes > 0);
        Assert.Equal(["PERCENT_OFF"], result.Hits.Select(hit => hit.RuleId));
    }

    [Fact]
    public async Task A_set_without_an_artifact_is_analysed_here_said_so_and_its_artifact_stored_for_the_next_instance()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        using var metrics = new MetricRecorder();
        var v1 = await bed.ActivateAsync(TestData.Set("v1"));

        var active = await bed.Services.GetRequiredService<ActivePatternSetProvider>().GetActiveAsync();

        Assert.False(active!.Compiled.LoadedFromArtifact);
        Assert.Equal(["analysis"], metrics.Of(PipelineMetrics.CompilesName).Select(compile => compile.Tags["source"]));
        Assert.Contains(bed.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("had no compiled-set artifact", StringComparison.Ordinal));
        var stored = await bed.Patterns.ReadArtifactAsync(v1.Digest);
        Assert.NotNull(stored);
        Assert.True(stored.IsFor(v1.Digest));
    }

    [Fact]
    public async Task With_no_state_there_is_no_set()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);

        Assert.Null(await bed.Services.GetRequiredService<ActivePatternSetProvider>().GetActiveAsync());
        Assert.Contains(bed.Logs.Entries, entry => entry.Level == LogLevel.Warning && entry.Message.Contains("no pattern set is active", StringComparison.Ordinal));
    }
}
