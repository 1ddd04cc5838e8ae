using Microsoft.Extensions.DependencyInjection;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

/// <summary>
/// Every release action, driven through the real services on Azurite, leaves a history entry and an audit record that
/// agree on when, action, actor, from, to and reason; a gate refusal leaves an audit record and no history entry.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class AuditHistoryConsistencyTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    private static readonly Rule Pills = new() { Id = "PILLS", Kind = RuleKind.Body, Pattern = "(?i)pills", Score = 1 };
    private static readonly Rule Greeting = new() { Id = "GREETING_IS_SPAM", Kind = RuleKind.Body, Pattern = "(?i)hello there", Score = 6 };

    [Fact]
    public async Task Publish_canary_advance_promote_cancel_refuse_force_kill_and_rollback_agree_with_their_audit()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Gate:maxHamToSpamFlips"] = "0" });
        await bed.SampleAsync("greeting", "Hello there", "Hello there again");

        await Step(bed, () => bed.PublishPassingAsync(TestData.Set("v1", Pills)));
        await Step(bed, () => bed.PublishPassingAsync(TestData.Set("v2", Pills)));
        await Step(bed, () => bed.Canary.AdvanceAsync("v2", 1, "ops", "looks fine"));
        await Step(bed, () => bed.Canary.PromoteAsync("v2", "ops", "done baking"));
        await Step(bed, () => bed.PublishPassingAsync(TestData.Set("v3", Pills)));
        await Step(bed, () => bed.Canary.CancelAsync("v3", "bob", "not this week"));
        var refused = await Step(bed, () => bed.Release.PublishAsync(TestData.Set("v4", Pills, Greeting), "carol"));
        await Step(bed, () => bed.Release.PublishAsync(TestData.Set("v4", Pills, Greeting), "carol", new PublishOptions { Force = true, Reason = "drill" }));
        await Step(bed, () => bed.Kill.DisableRulesAsync(["PILLS"], "PILLS burns CPU", "dave"));
        await Step(bed, () => bed.Rollback.RollbackAsync(null, "kill was a mistake", "erin"));

        Assert.Equal(PublishOutcome.Refused, refused.Outcome);
        var state = await bed.StateAsync();
        Assert.Equal(
            [ReleaseAction.Activate, ReleaseAction.Canary, ReleaseAction.Advance, ReleaseAction.Promote, ReleaseAction.Canary,
                ReleaseAction.CancelCanary, ReleaseAction.CanaryForced, ReleaseAction.Kill, ReleaseAction.Rollback],
            state.History.Select(change => change.Action));
        var audit = await AssertAgreeAsync(state, bed.Documents);

        var refusal = Assert.Single(audit, record => record.Action == ReleaseAction.Refused);
        Assert.Equal(("carol", "v2", "v4"), (refusal.Actor, refusal.From!.Version, refusal.To!.Version));
        Assert.Equal(refused.GateReport!.Refusals, refusal.Refusals);
        var cancel = state.History.Single(change => change.Action == ReleaseAction.CancelCanary);
        Assert.Equal(("v3", "v2"), (cancel.From!.Version, cancel.To!.Version));
    }

    [Fact]
    public async Task The_first_set_forced_past_the_gate_agrees_with_its_audit()
    {
        // With no active set nothing flips; a ceiling of one tick refuses any set on its own cost.
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Gate:maxP99Cost"] = "00:00:00.0000001" });

        var refused = await Step(bed, () => bed.Release.PublishAsync(TestData.Set("v1", Pills), "alice"));
        var forced = await Step(bed, () => bed.Release.PublishAsync(TestData.Set("v1", Pills), "alice", new PublishOptions { Force = true, Reason = "bootstrap" }));

        Assert.Equal((PublishOutcome.Refused, PublishOutcome.Activated), (refused.Outcome, forced.Outcome));
        var state = await bed.StateAsync();
        Assert.Equal([ReleaseAction.ActivateForced], state.History.Select(change => change.Action));
        await AssertAgreeAsync(state, bed.Documents);
    }

    [Fact]
    public async Task The_watchdogs_advance_and_rollback_agree_with_their_audit_and_the_rollback_is_named_as_one()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.HealthyScansAsync();
        bed.Time.Advance(TimeSpan.FromMinutes(15));
        Assert.Equal(WatchdogOutcome.Advanced, (await bed.Watchdog.RunOnceAsync()).Outcome);
        bed.Time.Advance(TimeSpan.FromSeconds(1));
        await bed.ScansAsync(bed.V1, ScanRole.Active, 100, TimeSpan.FromMilliseconds(2));
        await bed.ScansAsync(bed.V2, ScanRole.Canary, 100, TimeSpan.FromMilliseconds(8));
        Assert.Equal(WatchdogOutcome.RolledBack, (await bed.Watchdog.RunOnceAsync()).Outcome);

        var state = (await bed.StateAsync()).State;
        Assert.Equal([ReleaseAction.Activate, ReleaseAction.Advance, ReleaseAction.CanaryRollback], state.History.Select(change => change.Action));
        Assert.All(state.History.Skip(1), change => Assert.Equal(Prefilter.Pipeline.Release.Watchdog.Actor, change.Actor));
        var audit = await AssertAgreeAsync(state, bed.Services.GetRequiredService<ReleaseDocuments>());
        Assert.Equal(bed.V2, audit[^1].CancelledCanary);
    }

    /// <summary>Runs one action, then moves the clock on so audit names (which start with the time) sort in action order.</summary>
    private static async Task<T> Step<T>(ReleaseTestBed bed, Func<Task<T>> action)
    {
        var result = await action();
        bed.Time.Advance(TimeSpan.FromSeconds(1));
        return result;
    }

    /// <summary>Pairs each history entry with its audit record (oldest first) and returns every record.</summary>
    private static async Task<IReadOnlyList<ReleaseAuditRecord>> AssertAgreeAsync(PatternState state, ReleaseDocuments documents)
    {
        var audit = (await documents.ReadAuditAsync(PatternState.MaxHistory)).Reverse().ToList();
        var recorded = audit.Where(record => record.Action != ReleaseAction.Refused).ToList();
        Assert.DoesNotContain(state.History, change => change.Action == ReleaseAction.Refused);
        Assert.Equal(state.History.Count, recorded.Count);
        foreach (var (change, record) in state.History.Zip(recorded))
        {
            Assert.Equal(
                (change.At, change.Action, change.Actor, change.From, change.To, change.Reason),
                (record.At, record.Action, record.Actor, record.From, record.To, record.Reason));
        }

        return audit;
    }
}
