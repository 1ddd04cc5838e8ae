using Microsoft.Extensions.DependencyInjection;
using Prefilter.Cli.Incident;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;

namespace Prefilter.Cli.Tests.Incident;

/// <summary>
/// The incident replayed on the local pipeline (<c>prefilter replay-incident</c>): with corpus mail flowing, the gate
/// refuses a set that adds a costly combination, the same set forced past the gate is rolled back by the watchdog in
/// the first canary stage, mail flows throughout and none is lost.
/// </summary>
public sealed class IncidentReplayTests(IncidentReplayFixture fixture) : IClassFixture<IncidentReplayFixture>
{
    private IncidentReport Report => fixture.Report;

    [Fact]
    public void The_gate_refuses_the_incident_set_and_blames_the_combining_meta_first()
    {
        Assert.True(Report.GateRefused, Report.Problem);
        Assert.NotEmpty(Report.GateRefusals);
        Assert.True(Report.GateSampleMessages > 0, "the gate saw no sampled traffic, only its adversarial mail");
        Assert.Equal(IncidentSets.CombinationRuleId, Report.BlamedRules[0]);
        Assert.All(Report.BlamedRules.Skip(1), rule => Assert.StartsWith(IncidentSets.SubRulePrefix, rule, StringComparison.Ordinal));
    }

    [Fact]
    public void The_forced_canary_is_audited_with_actor_reason_and_the_refusals_it_overrode()
    {
        Assert.True(Report.ForcedCanary, Report.Problem);
        var forced = Assert.Single(Report.Timeline, change => change.Action == ReleaseAction.CanaryForced);
        Assert.Equal(IncidentReplay.Actor, forced.Actor);
        Assert.Equal(Report.IncidentVersion, forced.To);
        Assert.Equal(Report.BaselineVersion, forced.From);
        Assert.Contains(IncidentReplay.OverrideReason, forced.Reason, StringComparison.Ordinal);

        // The forced publish runs the gate again (new measurements, so new figures): its refusals are in the record.
        Assert.Contains("refusals: ", forced.Reason, StringComparison.Ordinal);
        Assert.Contains("the active set's", forced.Reason, StringComparison.Ordinal);
        Assert.Equal(IncidentReplay.FirstStageSharePercent, Report.CanarySharePercent);
    }

    [Fact]
    public void The_watchdog_rolls_the_canary_back_during_stage_0_on_p99_cost()
    {
        Assert.True(Report.RolledBack, Report.Problem);
        Assert.Equal(0, Report.RollbackStage);
        Assert.Contains(WatchdogBreach.P99CostRatio, Report.BreachedLimits);
        Assert.Contains("p99 cost ratio", Report.RollbackReason, StringComparison.Ordinal);
        Assert.True(Report.CanaryScans >= IncidentReplay.MinimumSamples);
        Assert.True(Report.CanaryP99Ms > Report.ActiveP99Ms);
        Assert.True(Report.Timeline[1].At < Report.StageBakedAt);

        // canary-forced, then canary-rollback by the watchdog, with no stage advance or promotion between them.
        Assert.Equal([ReleaseAction.CanaryForced, ReleaseAction.CanaryRollback], Report.Timeline.Select(change => change.Action));
        Assert.Equal(Watchdog.Actor, Report.Timeline[1].Actor);
    }

    [Fact]
    public async Task After_the_rollback_the_baseline_serves_all_mail()
    {
        var state = (await fixture.Stack.Services.GetRequiredService<PatternStore>().ReadStateAsync())!.Snapshot!.State;

        Assert.Null(state.Canary);
        Assert.Equal(Report.BaselineVersion, state.Active!.Version);
    }

    [Fact]
    public void Mail_flows_while_the_canary_runs_and_after_the_rollback()
    {
        Assert.True(Report.SubmittedDuringCanary > 0);
        Assert.True(Report.DeliveredDuringCanary > 0);
        Assert.True(Report.SubmittedAfterRollback > 0);
        Assert.True(Report.DeliveredAfterRollback > 0);
    }

    [Fact]
    public async Task No_mail_is_lost_and_the_backlog_drains()
    {
        Assert.True(Report.Submitted > 0);
        Assert.Equal(0, Report.Lost);
        Assert.Equal(Report.Submitted, Report.Delivered + Report.Quarantined + Report.DeadLettered);
        Assert.True(Report.BacklogDrained);

        // Counted again here, not from the report: every stored mail has an outcome, the queue is empty, and the
        // downstream holds a copy of each delivered mail.
        var counts = await fixture.Stack.CountAsync();
        Assert.Equal(0, counts.InFlight);
        Assert.Equal(Report.Submitted, counts.Received);
        var queue = fixture.Stack.Broker.GetQueueCounts(ServiceBusOptions.DefaultDeliverQueue);
        Assert.Equal(0, queue.Active + queue.Scheduled + queue.Locked);
        Assert.True(fixture.Stack.Sink.Messages.Count >= Report.Delivered);
    }

    [Fact]
    public void The_replay_reports_every_property_as_shown()
    {
        Assert.Null(Report.Problem);
        Assert.True(Report.Shown);
    }
}
