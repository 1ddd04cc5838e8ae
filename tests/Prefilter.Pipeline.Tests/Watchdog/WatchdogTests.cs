using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

[Collection(PipelineCollection.Name)]
public sealed class WatchdogTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task A_healthy_canary_moves_through_the_stages_only_after_bake_time_and_enough_samples_then_is_promoted()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.HealthyScansAsync();

        var baking = await bed.Watchdog.RunOnceAsync();
        Assert.Equal(WatchdogOutcome.Baking, baking.Outcome);
        Assert.Equal(0, (await bed.StateAsync()).State.Canary!.Stage);

        bed.Time.Advance(TimeSpan.FromMinutes(15));
        var advanced = await bed.Watchdog.RunOnceAsync();
        Assert.Equal(WatchdogOutcome.Advanced, advanced.Outcome);
        Assert.Equal((1, 10.0), (await bed.StateAsync()).State.Canary is { } c1 ? (c1.Stage, c1.SharePercent) : default);

        // A new stage needs its own samples: those of the previous stage do not count, even after the bake time.
        Assert.Equal(WatchdogOutcome.Waiting, (await bed.Watchdog.RunOnceAsync()).Outcome);
        bed.Time.Advance(TimeSpan.FromMinutes(30));
        Assert.Equal(WatchdogOutcome.Waiting, (await bed.Watchdog.RunOnceAsync()).Outcome);
        await bed.HealthyScansAsync();
        Assert.Equal(WatchdogOutcome.Advanced, (await bed.Watchdog.RunOnceAsync()).Outcome);
        Assert.Equal((2, 50.0), (await bed.StateAsync()).State.Canary is { } c2 ? (c2.Stage, c2.SharePercent) : default);

        bed.Time.Advance(TimeSpan.FromMinutes(59));
        await bed.HealthyScansAsync();
        Assert.Equal(WatchdogOutcome.Baking, (await bed.Watchdog.RunOnceAsync()).Outcome);
        bed.Time.Advance(TimeSpan.FromMinutes(1));
        var promoted = await bed.Watchdog.RunOnceAsync();

        Assert.Equal(WatchdogOutcome.Promoted, promoted.Outcome);
        var state = (await bed.StateAsync()).State;
        Assert.Equal(bed.V2, state.Active);
        Assert.Equal(bed.V1, state.LastKnownGood);
        Assert.Null(state.Canary);
        var watchdogChanges = state.History.Where(change => change.Actor == Prefilter.Pipeline.Release.Watchdog.Actor).ToList();
        Assert.Equal([ReleaseAction.Advance, ReleaseAction.Advance, ReleaseAction.Promote], watchdogChanges.Select(change => change.Action));
        Assert.Equal(WatchdogOutcome.NoCanary, (await bed.Watchdog.RunOnceAsync()).Outcome);
    }

    [Fact]
    public async Task Too_few_samples_wait_with_the_counts_and_change_nothing()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.ScansAsync(bed.V1, ScanRole.Active, 60, TimeSpan.FromMilliseconds(2));
        await bed.ScansAsync(bed.V2, ScanRole.Canary, 10, TimeSpan.FromMilliseconds(40), flagged: 10);
        var before = await bed.StateAsync();
        bed.Time.Advance(TimeSpan.FromMinutes(15));

        var decision = await bed.Watchdog.RunOnceAsync();

        Assert.Equal(WatchdogOutcome.Waiting, decision.Outcome);
        Assert.Contains("canary 10 and active 60 scans", decision.Summary);
        Assert.Empty(decision.Breaches);
        Assert.Equal(before.ETag, (await bed.StateAsync()).ETag);
        var shown = await bed.Services.GetRequiredService<WatchdogStatusStore>().ReadAsync();
        Assert.Equal((WatchdogOutcome.Waiting, 10L, 60L, decision.Summary), (shown!.Outcome, shown.CanaryFigures!.Count, shown.ActiveFigures!.Count, shown.Summary));
    }

    [Fact]
    public async Task A_canary_whose_p99_cost_breaks_the_ratio_is_rolled_back_with_the_figures_and_an_alert()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.ScansAsync(bed.V1, ScanRole.Active, 100, TimeSpan.FromMilliseconds(2));
        await bed.ScansAsync(bed.V2, ScanRole.Canary, 100, TimeSpan.FromMilliseconds(8));

        var decision = await bed.Watchdog.RunOnceAsync();

        Assert.Equal(WatchdogOutcome.RolledBack, decision.Outcome);
        var breach = Assert.Single(decision.Breaches);
        Assert.Equal(WatchdogBreach.P99CostRatio, breach.Limit);
        Assert.InRange(breach.Observed, 3, 5);
        var state = (await bed.StateAsync()).State;
        Assert.Null(state.Canary);
        Assert.Equal(bed.V1, state.Active);
        var change = state.History[^1];
        Assert.Equal((ReleaseAction.CanaryRollback, Prefilter.Pipeline.Release.Watchdog.Actor), (change.Action, change.Actor));
        Assert.Contains("p99 cost ratio", change.Reason);
        Assert.Contains("limit 1.5", change.Reason);
        Assert.Contains(bed.Logs.Entries, entry => entry.Level == LogLevel.Critical && entry.Message.Contains("v2") && entry.Message.Contains("p99 cost ratio"));
        var shown = await bed.Services.GetRequiredService<WatchdogStatusStore>().ReadAsync();
        Assert.Equal((WatchdogOutcome.RolledBack, WatchdogBreach.P99CostRatio, "v2"), (shown!.Outcome, Assert.Single(shown.Breaches).Limit, shown.Canary!.Set.Version));

        // Idempotent: the next run finds nothing to do and writes nothing.
        Assert.Equal(WatchdogOutcome.NoCanary, (await bed.Watchdog.RunOnceAsync()).Outcome);
        Assert.Equal(state.History.Count, (await bed.StateAsync()).State.History.Count);
    }

    [Fact]
    public async Task A_p99_under_the_noise_floor_is_not_a_breach_whatever_the_ratio()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.ScansAsync(bed.V1, ScanRole.Active, 100, TimeSpan.FromMilliseconds(0.1));
        await bed.ScansAsync(bed.V2, ScanRole.Canary, 100, TimeSpan.FromMilliseconds(0.6));

        var decision = await bed.Watchdog.RunOnceAsync();

        Assert.Equal(WatchdogOutcome.Baking, decision.Outcome);
        Assert.True(decision.CanaryFigures!.P99 > 4 * decision.ActiveFigures!.P99);
    }

    [Fact]
    public async Task One_deadline_hit_rolls_the_canary_back_even_before_enough_samples()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.ScansAsync(bed.V2, ScanRole.Canary, 5, TimeSpan.FromMilliseconds(2), deadlineHits: 1);

        var decision = await bed.Watchdog.RunOnceAsync();

        Assert.Equal(WatchdogOutcome.RolledBack, decision.Outcome);
        Assert.Equal(WatchdogBreach.DeadlineHits, Assert.Single(decision.Breaches).Limit);
        Assert.Null((await bed.StateAsync()).State.Canary);
        Assert.Contains("deadline hits 1 in 5 canary scans, limit 0", (await bed.StateAsync()).State.History[^1].Reason);
    }

    [Fact]
    public async Task Verdict_drift_beyond_the_limit_rolls_the_canary_back()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.ScansAsync(bed.V1, ScanRole.Active, 100, TimeSpan.FromMilliseconds(2), flagged: 10);
        await bed.ScansAsync(bed.V2, ScanRole.Canary, 100, TimeSpan.FromMilliseconds(2), flagged: 40);

        var decision = await bed.Watchdog.RunOnceAsync();

        Assert.Equal(WatchdogOutcome.RolledBack, decision.Outcome);
        var breach = Assert.Single(decision.Breaches);
        Assert.Equal((WatchdogBreach.VerdictDrift, 30.0), (breach.Limit, Math.Round(breach.Observed, 6)));
        Assert.Contains("verdict drift 30 points", (await bed.StateAsync()).State.History[^1].Reason);
    }

    [Fact]
    public async Task A_delivery_backlog_older_than_the_limit_rolls_the_canary_back()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.HealthyScansAsync();
        bed.Backlog.Age = TimeSpan.FromMinutes(9);
        Assert.Equal(WatchdogOutcome.Baking, (await bed.Watchdog.RunOnceAsync()).Outcome);

        bed.Backlog.Age = TimeSpan.FromMinutes(25);
        var decision = await bed.Watchdog.RunOnceAsync();

        Assert.Equal(WatchdogOutcome.RolledBack, decision.Outcome);
        Assert.Equal(WatchdogBreach.BacklogAge, Assert.Single(decision.Breaches).Limit);
        Assert.Contains("00:25:00", (await bed.StateAsync()).State.History[^1].Reason);
    }

    [Fact]
    public async Task A_state_change_between_the_read_and_the_write_wins_and_the_watchdog_writes_nothing()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.ScansAsync(bed.V1, ScanRole.Active, 100, TimeSpan.FromMilliseconds(2));
        await bed.ScansAsync(bed.V2, ScanRole.Canary, 100, TimeSpan.FromMilliseconds(20));
        PatternStateSnapshot? operatorWrite = null;
        bed.Backlog.BeforeNextAnswer(async () =>
        {
            // An operator replaced the canary while the watchdog was judging v2.
            var v3 = await bed.Patterns.StoreSetAsync(TestData.Set("v3"));
            var current = await bed.StateAsync();
            await bed.Patterns.WriteStateAsync(current.State with { Canary = new PatternCanary(v3, 1, 0, bed.Time.GetUtcNow()) }, current.ETag);
            operatorWrite = await bed.StateAsync();
        });

        var decision = await bed.Watchdog.RunOnceAsync();

        Assert.Equal(WatchdogOutcome.Conflict, decision.Outcome);
        Assert.NotEmpty(decision.Breaches);
        var after = await bed.StateAsync();
        Assert.Equal(operatorWrite!.ETag, after.ETag);
        Assert.Equal("v3", after.State.Canary!.Set.Version);
        Assert.DoesNotContain(after.State.History, change => change.Actor == Prefilter.Pipeline.Release.Watchdog.Actor);
    }

    [Fact]
    public async Task Concurrent_runs_apply_a_rollback_once()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.ScansAsync(bed.V1, ScanRole.Active, 100, TimeSpan.FromMilliseconds(2));
        await bed.ScansAsync(bed.V2, ScanRole.Canary, 100, TimeSpan.FromMilliseconds(20));

        var decisions = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => bed.Watchdog.RunOnceAsync())));

        Assert.Single(decisions, decision => decision.Outcome == WatchdogOutcome.RolledBack);
        Assert.All(decisions, decision => Assert.Contains(decision.Outcome, new[] { WatchdogOutcome.RolledBack, WatchdogOutcome.Conflict, WatchdogOutcome.NoCanary }));
        Assert.Single((await bed.StateAsync()).State.History, change => change.Action == ReleaseAction.CanaryRollback);
    }

    [Fact]
    public async Task Concurrent_runs_advance_a_baked_canary_by_one_stage_only()
    {
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker);
        await bed.HealthyScansAsync();
        bed.Time.Advance(TimeSpan.FromMinutes(15));

        var decisions = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => bed.Watchdog.RunOnceAsync())));

        Assert.Single(decisions, decision => decision.Outcome == WatchdogOutcome.Advanced);
        var state = (await bed.StateAsync()).State;
        Assert.Equal(1, state.Canary!.Stage);
        Assert.Single(state.History, change => change.Action == ReleaseAction.Advance);
    }

    [Fact]
    public async Task Mail_scanned_by_a_canary_that_flags_differently_gets_it_rolled_back_and_all_later_mail_scans_with_the_active_set()
    {
        var flagsEverything = TestData.Set("v2", new Rule { Id = "HELLO_WORD", Kind = RuleKind.Body, Pattern = "(?i)\\bhello\\b", Score = 6 });
        await using var bed = await WatchdogTestBed.CreateAsync(azurite, broker, minimumSamples: 5, canary: flagsEverything, canaryShare: 50);
        var results = new List<ScanStageResult>();
        for (var i = 0; i < 40; i++)
        {
            results.Add(await bed.ScanMailAsync($"hello number {i}"));
        }

        await bed.Recorder.FlushAsync();
        var decision = await bed.Watchdog.RunOnceAsync();

        var byCanary = results.Count(result => result.Verdict!.SetDigest == bed.V2.Digest);
        Assert.InRange(byCanary, 5, 35);
        Assert.All(results.Where(result => result.Verdict!.SetDigest == bed.V2.Digest), result => Assert.Equal(VerdictAction.Tag, result.Verdict!.Action));
        Assert.Equal(WatchdogOutcome.RolledBack, decision.Outcome);
        Assert.Equal(WatchdogBreach.VerdictDrift, Assert.Single(decision.Breaches).Limit);
        Assert.Equal((long)byCanary, decision.CanaryFigures!.Count);

        // Scanners pick the change up at their next state check; mail keeps flowing, all of it on the active set.
        bed.Time.Advance(TimeSpan.FromSeconds(6));
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(bed.V1.Digest, (await bed.ScanMailAsync($"hello again {i}")).Verdict!.SetDigest);
        }
    }
}
