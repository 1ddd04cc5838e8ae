using System.Text.Json;
using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

/// <summary>
/// Publishing off the HTTP path on Azurite: a submission lints and stores at once and queues a gate request on the
/// bed's gate queue; the gate runs from that queue and writes where the release stands into its release document.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class GateQueueTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    private static readonly string[] Plain = [.. Enumerable.Range(0, 12).Select(i => $"Minutes of meeting {i}: the budget review moves to Thursday.")];

    [Fact]
    public async Task A_submission_is_queued_at_once_and_the_gate_run_from_the_queue_activates_it_then_makes_the_next_the_canary()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        await bed.SampleAsync("plain", Plain);

        var queued = await bed.Release.SubmitAsync(PatternSetJson.Serialize(TestData.Set("v1")), "alice");

        // Nothing is released before the gate ran; the version is stored and the request waits on the queue.
        Assert.Equal((PatternReleaseStatus.Queued, "v1", "alice"), (queued.Status, queued.Version, queued.Actor));
        Assert.True(PatternRelease.IsValidId(queued.Id));
        Assert.Equal(queued.Status, (await bed.Release.ReadReleaseAsync(queued.Id))!.Status);
        Assert.Null((await bed.Patterns.ReadStateAsync())?.Snapshot);
        Assert.Equal(["v1"], await bed.Patterns.ListVersionsAsync());
        Assert.Equal(1, await bed.GateQueueLengthAsync());

        var (first, thrown, _) = await bed.RunNextGateAsync();
        Assert.Null(thrown);
        Assert.Equal((PatternReleaseStatus.Active, queued.Digest), (first!.Status, first.Digest));
        Assert.True(first.GateReport!.Passed);
        Assert.Equal("v1", (await bed.StateAsync()).Active!.Version);

        var next = await bed.Release.SubmitAsync(PatternSetJson.Serialize(TestData.Set("v2", new Rule { Id = "PILLS", Kind = RuleKind.Body, Pattern = "(?i)pills", Score = 1 })), "alice");
        var (second, _, _) = await bed.RunNextGateAsync();

        var stored = await bed.Release.ReadReleaseAsync(next.Id);
        Assert.Equal((PatternReleaseStatus.Canary, 1d, 1L), (stored!.Status, stored.SharePercent, stored.Attempts));
        Assert.Equal(second! with { GateReport = null }, stored with { GateReport = null });
        Assert.Equal(JsonSerializer.Serialize(second.GateReport, ReleaseJson.Options), JsonSerializer.Serialize(stored.GateReport, ReleaseJson.Options));
        Assert.Equal("v2", (await bed.StateAsync()).Canary!.Set.Version);
        Assert.Equal([ReleaseAction.Activate, ReleaseAction.Canary], (await bed.StateAsync()).History.Select(change => change.Action));
        Assert.Equal(0, await bed.GateQueueLengthAsync());
    }

    [Fact]
    public async Task A_set_the_gate_refuses_ends_refused_with_the_gate_report_and_a_forced_one_ends_canary()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Gate:maxHamToSpamFlips"] = "0" });
        await bed.SampleAsync("greeting", "Hello there", "Hello there again");
        await bed.PublishPassingAsync(TestData.Set("v1"));
        var candidate = PatternSetJson.Serialize(TestData.Set("v2", new Rule { Id = "GREETING_IS_SPAM", Kind = RuleKind.Body, Pattern = "(?i)hello there", Score = 6 }));

        await bed.Release.SubmitAsync(candidate, "alice");
        var (refused, _, _) = await bed.RunNextGateAsync();
        await bed.Release.SubmitAsync(candidate, "alice", new PublishOptions { Force = true, Reason = "incident drill" });
        var (forced, _, _) = await bed.RunNextGateAsync();

        Assert.Equal(PatternReleaseStatus.Refused, refused!.Status);
        Assert.False(refused.GateReport!.Passed);
        Assert.Equal(["GREETING_IS_SPAM"], refused.GateReport.Blamed);
        Assert.Contains(refused.GateReport.Refusals[0], refused.Error);
        Assert.Equal((PatternReleaseStatus.Canary, true), (forced!.Status, forced.Forced));
        Assert.Equal(ReleaseAction.CanaryForced, (await bed.StateAsync()).History[^1].Action);
    }

    [Fact]
    public async Task Refusals_that_need_no_gate_come_at_once_and_queue_nothing()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        var valid = PatternSetJson.Serialize(TestData.Set("v1"));
        await bed.PublishPassingAsync(TestData.Set("v1"));
        await bed.PublishPassingAsync(TestData.Set("v2"));

        var lint = await Assert.ThrowsAsync<PatternSetLintException>(() => bed.Release.SubmitAsync(valid.Replace("(?i)\\\\bcheap\\\\b", "(a+)+\\\\1").Replace("\"v1\"", "\"v9\""), "test"));
        await Assert.ThrowsAsync<PatternSetFormatException>(() => bed.Release.SubmitAsync(valid.Replace("\"score\"", "\"scroe\""), "test"));
        await Assert.ThrowsAsync<PatternSetVersionConflictException>(() => bed.Release.SubmitAsync(PatternSetJson.Serialize(TestData.Set("v1", new Rule { Id = "X", Kind = RuleKind.Body, Pattern = "x", Score = 1 })), "test"));
        var conflict = await Assert.ThrowsAsync<ReleaseConflictException>(() => bed.Release.SubmitAsync(PatternSetJson.Serialize(TestData.Set("v3")), "test"));

        Assert.Equal("CHEAP_WORD", Assert.Single(lint.Report.Findings).RuleId);
        Assert.Equal("v2", conflict.Canary!.Set.Version);
        Assert.False(await bed.GateQueue.ExistsAsync() && await bed.GateQueueLengthAsync() > 0);
    }

    [Fact]
    public async Task A_gate_request_whose_gate_throws_ends_failed_with_the_reason_and_is_not_retried()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        var queued = await bed.Release.SubmitAsync(PatternSetJson.Serialize(TestData.Set("v1")), "alice");

        // The stored version no longer matches the digest it was submitted with: the gate cannot run it, ever.
        await bed.PatternsContainer.GetBlobClient(PatternStore.SetBlobName("v1")).UploadAsync(BinaryData.FromString(PatternSetJson.Serialize(TestData.Set("v1", new Rule { Id = "X", Kind = RuleKind.Body, Pattern = "x", Score = 1 }))), overwrite: true);
        var (failed, thrown, _) = await bed.RunNextGateAsync();

        Assert.Null(thrown);
        Assert.Equal(PatternReleaseStatus.Failed, failed!.Status);
        Assert.Contains(nameof(PatternSetDigestMismatchException), failed.Error);
        Assert.Equal(failed, await bed.Release.ReadReleaseAsync(queued.Id));
        Assert.Equal(0, await bed.GateQueueLengthAsync());
        Assert.Null((await bed.Patterns.ReadStateAsync())?.Snapshot);
    }

    [Fact]
    public async Task A_gate_request_taken_from_the_queue_past_the_limit_ends_failed_instead_of_running_again()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Release:maxGateAttempts"] = "2" });
        var queued = await bed.Release.SubmitAsync(PatternSetJson.Serialize(TestData.Set("v1")), "alice");

        // Two deliveries whose worker died before settling (the message comes back when its visibility ends).
        for (var taken = 0; taken < 2; taken++)
        {
            Assert.NotNull(await ReceiveAsync(bed));
        }

        var (failed, thrown, dequeueCount) = await bed.RunNextGateAsync();

        Assert.Null(thrown);
        Assert.Equal(3, dequeueCount);
        Assert.Equal((PatternReleaseStatus.Failed, 3L), (failed!.Status, failed.Attempts));
        Assert.Contains("over the limit of 2", failed.Error);
        Assert.Equal(failed, await bed.Release.ReadReleaseAsync(queued.Id));
        Assert.Null((await bed.Patterns.ReadStateAsync())?.Snapshot);
        Assert.Equal(0, await bed.GateQueueLengthAsync());
    }

    [Fact]
    public async Task A_storage_failure_during_the_gate_run_leaves_the_request_on_the_queue_and_the_next_delivery_releases_it()
    {
        var failOnce = new FailFirstGateReportWrite();
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, policy: failOnce);
        var queued = await bed.Release.SubmitAsync(PatternSetJson.Serialize(TestData.Set("v1")), "alice");

        var (_, thrown, firstCount) = await bed.RunNextGateAsync(TimeSpan.FromSeconds(1));
        var waiting = await bed.Release.ReadReleaseAsync(queued.Id);
        var (released, again, secondCount) = await bed.RunNextGateAsync();

        Assert.Equal(503, Assert.IsType<RequestFailedException>(thrown).Status);
        Assert.Equal((PatternReleaseStatus.Queued, 1L), (waiting!.Status, waiting.Attempts));
        Assert.Contains("injected", waiting.Error);
        Assert.Null(again);
        Assert.Equal((1L, 2L), (firstCount, secondCount));
        Assert.Equal((PatternReleaseStatus.Active, 2L, null), (released!.Status, released.Attempts, released.Error));
        Assert.Equal("v1", (await bed.StateAsync()).Active!.Version);
    }

    [Fact]
    public async Task Two_releases_of_the_same_set_gated_at_once_both_end_canary_and_release_it_once()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        await bed.SampleAsync("plain", Plain);
        await bed.PublishPassingAsync(TestData.Set("v1"));
        var json = PatternSetJson.Serialize(TestData.Set("v2", new Rule { Id = "PILLS", Kind = RuleKind.Body, Pattern = "(?i)pills", Score = 1 }));
        var a = await bed.Release.SubmitAsync(json, "alice");
        var b = await bed.Release.SubmitAsync(json, "bob");

        var runs = await Task.WhenAll(bed.RunNextGateAsync(), bed.RunNextGateAsync());

        Assert.All(runs, run => Assert.Null(run.Thrown));
        var statuses = new[] { await bed.Release.ReadReleaseAsync(a.Id), await bed.Release.ReadReleaseAsync(b.Id) };
        Assert.All(statuses, release => Assert.Equal(PatternReleaseStatus.Canary, release!.Status));
        Assert.Single(statuses, release => release!.AlreadyPublished);
        var state = await bed.StateAsync();
        Assert.Equal("v2", state.Canary!.Set.Version);
        Assert.Single(state.History, change => change.To?.Version == "v2");
    }

    [Fact]
    public async Task A_message_that_names_no_release_is_dropped_without_a_status()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);

        Assert.Null(await bed.GateHandler.HandleAsync("not json", 1));
        Assert.Null(await bed.GateHandler.HandleAsync(GateRequestQueue.Serialize(new GateRequest("../state")), 1));
        Assert.Null(await bed.GateHandler.HandleAsync(GateRequestQueue.Serialize(new GateRequest(PatternRelease.NewId())), 1));
    }

    /// <summary>Fails the first upload of a gate report with a 503, as a storage outage would; every other request passes.</summary>
    private sealed class FailFirstGateReportWrite : HttpPipelinePolicy
    {
        private int armed = 1;

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            ProcessNext(message, pipeline);
        }

        public override ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            Fail(message);
            return ProcessNextAsync(message, pipeline);
        }

        private void Fail(HttpMessage message)
        {
            if (message.Request.Method == RequestMethod.Put && message.Request.Uri.Path.EndsWith("/gate-report.json", StringComparison.Ordinal) && Interlocked.Exchange(ref armed, 0) == 1)
            {
                throw new RequestFailedException(503, "injected storage outage");
            }
        }
    }

    private static async Task<Azure.Storage.Queues.Models.QueueMessage?> ReceiveAsync(ReleaseTestBed bed)
    {
        // Invisible for a second, then the queue hands it out again with its dequeue count raised.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!timeout.IsCancellationRequested)
        {
            if ((await bed.GateQueue.ReceiveMessageAsync(TimeSpan.FromSeconds(1), timeout.Token)).Value is { } message)
            {
                return message;
            }

            await Task.Delay(100, timeout.Token);
        }

        return null;
    }
}
