using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

/// <summary>Canary transitions, rollback and the kill switch, on Azurite with a fake clock.</summary>
[Collection(PipelineCollection.Name)]
public sealed class StateChangeTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    private static readonly Rule Pills = new() { Id = "PILLS", Kind = RuleKind.Body, Pattern = "(?i)pills", Score = 1 };

    [Fact]
    public async Task A_healthy_canary_bakes_through_every_stage_and_is_promoted_keeping_the_previous_set_as_last_known_good()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        var v1 = await bed.PublishPassingAsync(TestData.Set("v1"));
        var v2 = await bed.PublishPassingAsync(TestData.Set("v2", Pills));

        var steps = new List<(CanaryStep Step, double? Share)>();
        Assert.Equal(CanaryStep.Baking, (await bed.Canary.ProgressAsync("v2", "watchdog")).Step);
        foreach (var bake in new[] { TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1) })
        {
            bed.Time.Advance(bake - TimeSpan.FromSeconds(1));
            Assert.Equal(CanaryStep.Baking, (await bed.Canary.ProgressAsync("v2", "watchdog")).Step);
            bed.Time.Advance(TimeSpan.FromSeconds(1));
            var step = await bed.Canary.ProgressAsync("v2", "watchdog", "healthy");
            steps.Add((step.Step, step.Canary?.SharePercent));
        }

        Assert.Equal([(CanaryStep.Advanced, 10), (CanaryStep.Advanced, 50), (CanaryStep.Promoted, null)], steps);
        var state = await bed.StateAsync();
        Assert.Equal((v2.Digest, v1.Digest), (state.Active!.Digest, state.LastKnownGood!.Digest));
        Assert.Null(state.Canary);
        Assert.Equal(
            [ReleaseAction.Activate, ReleaseAction.Canary, ReleaseAction.Advance, ReleaseAction.Advance, ReleaseAction.Promote],
            state.History.Select(change => change.Action));
        Assert.All(state.History.Skip(2), change => Assert.Equal("watchdog", change.Actor));
    }

    [Fact]
    public async Task Transitions_name_the_canary_they_mean_and_refuse_another()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        await bed.PublishPassingAsync(TestData.Set("v1"));

        Assert.Equal(ReleaseConflict.CanaryMismatch, (await Assert.ThrowsAsync<ReleaseConflictException>(() => bed.Canary.PromoteAsync("v2", "watchdog"))).Conflict);
        await bed.PublishPassingAsync(TestData.Set("v2", Pills));
        Assert.Equal(ReleaseConflict.CanaryMismatch, (await Assert.ThrowsAsync<ReleaseConflictException>(() => bed.Canary.CancelAsync("v9", "watchdog", "breach"))).Conflict);
        Assert.Equal(ReleaseConflict.StageNotAhead, (await Assert.ThrowsAsync<ReleaseConflictException>(() => bed.Canary.AdvanceAsync("v2", 0, "ops"))).Conflict);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => bed.Canary.AdvanceAsync("v2", 3, "ops"));

        var advanced = await bed.Canary.AdvanceAsync("v2", 2, "ops", "skip ahead");
        Assert.Equal((2, 50.0), (advanced.Canary!.Stage, advanced.Canary.SharePercent));

        var cancelled = await bed.Canary.CancelAsync("v2", "watchdog", "p99 cost 40x active");
        Assert.Equal(CanaryStep.Cancelled, cancelled.Step);
        var state = await bed.StateAsync();
        Assert.Null(state.Canary);
        Assert.Equal("v1", state.Active!.Version);
        Assert.Equal((ReleaseAction.CancelCanary, "p99 cost 40x active"), (state.History[^1].Action, state.History[^1].Reason));
        var audit = (await bed.Documents.ReadAuditAsync(1))[0];
        Assert.Equal(("v2", "watchdog"), (audit.CancelledCanary!.Version, audit.Actor));
    }

    [Fact]
    public async Task A_canary_whose_stored_content_no_longer_matches_its_digest_is_not_promoted()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        await bed.PublishPassingAsync(TestData.Set("v1"));
        await bed.PublishPassingAsync(TestData.Set("v2", Pills));
        var tampered = TestData.Set("v2", Pills with { Score = 100 });
        await bed.PatternsContainer.GetBlobClient(PatternStore.SetBlobName("v2")).UploadAsync(BinaryData.FromBytes(PatternSetJson.ToCanonicalUtf8(tampered)), overwrite: true);
        var before = (await bed.Patterns.ReadStateAsync())!.Snapshot!.ETag;

        var mismatch = await Assert.ThrowsAsync<PatternSetDigestMismatchException>(() => bed.Canary.PromoteAsync("v2", "watchdog"));

        Assert.Equal(PatternSetJson.ComputeDigest(tampered), mismatch.ActualDigest);
        Assert.Equal(before, (await bed.Patterns.ReadStateAsync())!.Snapshot!.ETag);

        // A named rollback to it is refused the same way; an unknown version is a typed not-found.
        await Assert.ThrowsAsync<PatternSetDigestMismatchException>(() => bed.Rollback.RollbackAsync("v2", "try", "ops"));
        Assert.Equal("v404", (await Assert.ThrowsAsync<PatternSetNotFoundException>(() => bed.Rollback.RollbackAsync("v404", "try", "ops"))).Version);
        Assert.Equal(before, (await bed.Patterns.ReadStateAsync())!.Snapshot!.ETag);
    }

    [Fact]
    public async Task Rollback_reverts_to_last_known_good_stops_the_canary_and_a_second_call_writes_nothing()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        var v1 = await bed.PublishPassingAsync(TestData.Set("v1"));
        await bed.PublishPassingAsync(TestData.Set("v2", Pills));
        await bed.Canary.PromoteAsync("v2", "ops");
        await bed.PublishPassingAsync(TestData.Set("v3"));
        var audits = (await bed.AuditNamesAsync()).Count;

        var first = await bed.Rollback.RollbackAsync(null, "bad release", "alice");
        var afterFirst = await bed.Patterns.ReadStateAsync();
        var second = await bed.Rollback.RollbackAsync(null, "bad release", "alice");

        Assert.Equal(RollbackOutcome.RolledBack, first.Outcome);
        Assert.Equal(("v1", "v2", "v3"), (first.Active.Version, first.Previous!.Version, first.CancelledCanary!.Set.Version));
        var state = afterFirst!.Snapshot!.State;
        Assert.Equal(v1.Digest, state.Active!.Digest);
        Assert.Null(state.Canary);
        Assert.Equal((ReleaseAction.Rollback, "alice"), (state.History[^1].Action, state.History[^1].Actor));

        Assert.Equal(RollbackOutcome.AlreadyThere, second.Outcome);
        Assert.Equal(afterFirst.Snapshot.ETag, (await bed.Patterns.ReadStateAsync())!.Snapshot!.ETag);
        Assert.Equal(audits + 1, (await bed.AuditNamesAsync()).Count);
    }

    [Fact]
    public async Task Rolling_back_the_canary_of_the_first_set_twice_is_idempotent()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        await bed.PublishPassingAsync(TestData.Set("v1"));
        await bed.PublishPassingAsync(TestData.Set("v2"));

        var first = await bed.Rollback.RollbackAsync(null, "bad canary", "ops");
        var second = await bed.Rollback.RollbackAsync(null, "bad canary", "ops");

        Assert.Equal((RollbackOutcome.RolledBack, "v1", "v2"), (first.Outcome, first.Active.Version, first.CancelledCanary!.Set.Version));
        Assert.Equal((RollbackOutcome.AlreadyThere, "v1"), (second.Outcome, second.Active.Version));
    }

    [Fact]
    public async Task Rollback_to_a_named_version_and_with_nothing_to_roll_back_to()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        Assert.Equal(ReleaseConflict.NoActiveSet, (await Assert.ThrowsAsync<ReleaseConflictException>(() => bed.Rollback.RollbackAsync(null, null, "ops"))).Conflict);
        await bed.PublishPassingAsync(TestData.Set("v1"));
        Assert.Equal(ReleaseConflict.NoRollbackTarget, (await Assert.ThrowsAsync<ReleaseConflictException>(() => bed.Rollback.RollbackAsync(null, null, "ops"))).Conflict);

        // A stored version that never served is a valid target: an operator's explicit choice, checked against its digest.
        var v0 = await bed.Patterns.StoreSetAsync(TestData.Set("v0"));
        var result = await bed.Rollback.RollbackAsync("v0", "back to the old rules", "ops");

        Assert.Equal((RollbackOutcome.RolledBack, v0), (result.Outcome, result.Active));
        Assert.Equal(RollbackOutcome.AlreadyThere, (await bed.Rollback.RollbackAsync("v0", null, "ops")).Outcome);
    }

    [Fact]
    public async Task The_kill_switch_disables_a_rule_at_once_and_rollback_restores_it()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        var meta = new Rule { Id = "PILLS_AND_CHEAP", Kind = RuleKind.Meta, Expression = "PILLS && CHEAP_WORD", Score = 4 };
        var v1 = await bed.PublishPassingAsync(TestData.Set("v1", Pills, meta));
        await bed.PublishPassingAsync(TestData.Set("v2"));

        var killed = await bed.Kill.DisableRulesAsync(["PILLS"], "PILLS burns CPU", "alice");

        Assert.Equal(("v1-kill1", "v1"), (killed.Overlay.Version, killed.Base.Version));
        Assert.Equal(["PILLS_AND_CHEAP"], killed.RewrittenMetas);
        Assert.Equal("v2", killed.CancelledCanary!.Set.Version);
        var state = await bed.StateAsync();
        Assert.Equal((killed.Overlay, v1.Digest), (state.Active, state.LastKnownGood!.Digest));
        Assert.Null(state.Canary);
        var overlay = await bed.Patterns.ReadSetAsync(state.Active!);
        Assert.DoesNotContain(overlay.Rules, rule => rule.Id == "PILLS");
        Assert.Equal((ReleaseAction.Kill, "alice"), (state.History[^1].Action, state.History[^1].Actor));
        Assert.Equal(["PILLS"], (await bed.Documents.ReadAuditAsync(1))[0].Rules);

        var unknown = await Assert.ThrowsAsync<UnknownRulesException>(() => bed.Kill.DisableRulesAsync(["PILLS"], "again", "alice"));
        Assert.Equal(["PILLS"], unknown.RuleIds);

        var rolledBack = await bed.Rollback.RollbackAsync(null, "kill was a mistake", "alice");
        Assert.Equal(v1.Digest, rolledBack.Active.Digest);
        Assert.Contains((await bed.Patterns.ReadSetAsync(rolledBack.Active)).Rules, rule => rule.Id == "PILLS");

        var second = await bed.Kill.DisableRulesAsync(["PILLS_AND_CHEAP"], "noisy", "bob");
        Assert.Equal("v1-kill2", second.Overlay.Version);
    }
}
