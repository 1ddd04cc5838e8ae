using Azure.Core;
using Azure.Core.Pipeline;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

/// <summary>
/// Rollback and publish racing for the same <c>state.json</c>: one instance's write is held on the wire (after it read
/// the state and its ETag) while another instance changes the state; then it is let go.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class ConcurrencyTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task A_rollback_that_lands_while_a_publish_is_gated_wins_and_the_publish_releases_nothing()
    {
        await using var main = await ReleaseTestBed.CreateAsync(azurite, broker);
        await PromotedAsync(main);
        var pause = new HoldStateWrite();
        await using var other = await ReleaseTestBed.CreateAsync(azurite, broker, policy: pause, shareWith: main);

        var publish = other.Release.PublishAsync(TestData.Set("v3"), "bob");
        await pause.Held.WaitAsync(TimeSpan.FromSeconds(60));
        var rollback = await main.Rollback.RollbackAsync(null, "incident", "alice");
        pause.Release();

        await Assert.ThrowsAsync<PatternStateConflictException>(() => publish);
        Assert.Equal(RollbackOutcome.RolledBack, rollback.Outcome);
        var state = await main.StateAsync();
        Assert.Equal("v1", state.Active!.Version);
        Assert.Null(state.Canary);
        Assert.Equal(ReleaseAction.Rollback, state.History[^1].Action);
        Assert.DoesNotContain(state.History, change => change.To?.Version == "v3");
        Assert.DoesNotContain(await main.Documents.ReadAuditAsync(100), record => record.To?.Version == "v3");
    }

    [Fact]
    public async Task A_publish_that_lands_while_a_rollback_is_in_flight_wins_and_the_rollback_changes_nothing()
    {
        await using var main = await ReleaseTestBed.CreateAsync(azurite, broker);
        await PromotedAsync(main);
        var pause = new HoldStateWrite();
        await using var other = await ReleaseTestBed.CreateAsync(azurite, broker, policy: pause, shareWith: main);

        var rollback = other.Rollback.RollbackAsync(null, "incident", "alice");
        await pause.Held.WaitAsync(TimeSpan.FromSeconds(60));
        var publish = await main.Release.PublishAsync(TestData.Set("v3"), "bob");
        pause.Release();

        await Assert.ThrowsAsync<PatternStateConflictException>(() => rollback);
        Assert.Equal(PublishOutcome.Canary, publish.Outcome);
        var state = await main.StateAsync();
        Assert.Equal(("v2", "v1", "v3"), (state.Active!.Version, state.LastKnownGood!.Version, state.Canary!.Set.Version));
        Assert.Equal(ReleaseAction.Canary, state.History[^1].Action);
        Assert.DoesNotContain(state.History, change => change.Action == ReleaseAction.Rollback);

        // The loser, asked again, sees the new state and acts on it whole.
        var retried = await other.Rollback.RollbackAsync(null, "incident", "alice");
        Assert.Equal(("v1", "v3"), (retried.Active.Version, retried.CancelledCanary!.Set.Version));
    }

    [Fact]
    public async Task Two_publishes_of_the_same_set_at_once_release_it_once_and_both_succeed()
    {
        await using var main = await ReleaseTestBed.CreateAsync(azurite, broker);
        await PromotedAsync(main);
        var pause = new HoldStateWrite();
        await using var other = await ReleaseTestBed.CreateAsync(azurite, broker, policy: pause, shareWith: main);

        var late = other.Release.PublishAsync(TestData.Set("v3"), "bob");
        await pause.Held.WaitAsync(TimeSpan.FromSeconds(60));
        var first = await main.Release.PublishAsync(TestData.Set("v3"), "alice");
        pause.Release();

        Assert.Equal(PublishOutcome.Canary, first.Outcome);
        Assert.Equal(PublishOutcome.AlreadyPublished, (await late).Outcome);
        var state = await main.StateAsync();
        Assert.Equal("v3", state.Canary!.Set.Version);
        Assert.Single(state.History, change => change.To?.Version == "v3");
    }

    private static async Task PromotedAsync(ReleaseTestBed bed)
    {
        await bed.PublishPassingAsync(TestData.Set("v1"));
        await bed.PublishPassingAsync(TestData.Set("v2", new Rule { Id = "PILLS", Kind = RuleKind.Body, Pattern = "(?i)pills", Score = 1 }));
        await bed.Canary.PromoteAsync("v2", "ops");
    }

    /// <summary>Holds the first write of <c>state.json</c> until released; every other request passes.</summary>
    private sealed class HoldStateWrite : HttpPipelinePolicy
    {
        private readonly TaskCompletionSource held = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource released = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int armed = 1;

        public Task Held => held.Task;

        public void Release() => released.SetResult();

        public override async ValueTask ProcessAsync(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline)
        {
            if (IsStateWrite(message) && Interlocked.Exchange(ref armed, 0) == 1)
            {
                held.SetResult();
                await released.Task.WaitAsync(TimeSpan.FromSeconds(60));
            }

            await ProcessNextAsync(message, pipeline);
        }

        public override void Process(HttpMessage message, ReadOnlyMemory<HttpPipelinePolicy> pipeline) =>
            throw new NotSupportedException("the release services call storage asynchronously");

        private static bool IsStateWrite(HttpMessage message) =>
            message.Request.Method == RequestMethod.Put && message.Request.Uri.Path.EndsWith("/" + PatternStore.StateBlobName, StringComparison.Ordinal);
    }
}
