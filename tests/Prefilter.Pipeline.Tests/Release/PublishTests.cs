using System.Text.Json;
using Prefilter.Engine.Gating;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

[Collection(PipelineCollection.Name)]
public sealed class PublishTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    private static readonly string[] Plain = [.. Enumerable.Range(0, 12).Select(i => $"Minutes of meeting {i}: the budget review moves to Thursday.")];

    [Fact]
    public async Task The_first_set_becomes_active_the_next_becomes_canary_and_publishing_again_changes_nothing()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        await bed.SampleAsync("plain", Plain);

        var first = await bed.PublishPassingAsync(TestData.Set("v1"));
        var second = await bed.PublishPassingAsync(TestData.Set("v2", new Rule { Id = "PILLS", Kind = RuleKind.Body, Pattern = "(?i)pills", Score = 1 }));
        var again = await bed.Release.PublishAsync(TestData.Set("v2", new Rule { Id = "PILLS", Kind = RuleKind.Body, Pattern = "(?i)pills", Score = 1 }), "test");

        Assert.Equal(PublishOutcome.Activated, first.Outcome);
        Assert.Equal(PublishOutcome.Canary, second.Outcome);
        Assert.Equal(1, second.SharePercent);
        Assert.Equal(PublishOutcome.AlreadyPublished, again.Outcome);
        Assert.Equal(second.GateReport, again.GateReport, GateReportComparer.Instance);

        var state = await bed.StateAsync();
        Assert.Equal("v1", state.Active!.Version);
        Assert.Equal(new PatternCanary(new PatternSetRef("v2", second.Digest), 1, 0, bed.Time.GetUtcNow()), state.Canary);
        Assert.Equal([ReleaseAction.Activate, ReleaseAction.Canary], state.History.Select(change => change.Action));

        // The report beside the version is what the publish returned, compared with the active set on the sampled mail.
        var stored = await bed.Release.ReadGateReportAsync("v2");
        Assert.Equal(second.GateReport, stored, GateReportComparer.Instance);
        Assert.Equal(first.Digest, stored!.ActiveDigest);
        Assert.Equal(Plain.Length, stored.SampleMessages);
        Assert.True(stored.AdversarialMessages > 0);
        Assert.Equal(2, (await bed.AuditNamesAsync()).Count);

        // Each released set's compiled form is stored beside it, for the instances that activate it.
        Assert.True((await bed.Patterns.ReadArtifactAsync(first.Digest))!.IsFor(first.Digest));
        Assert.True((await bed.Patterns.ReadArtifactAsync(second.Digest))!.IsFor(second.Digest));
    }

    [Fact]
    public async Task A_publish_whose_caller_gave_up_stops_at_lint_and_stores_nothing()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        using var gaveUp = new CancellationTokenSource();
        await gaveUp.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            bed.Release.PublishAsync(PatternSetJson.Serialize(TestData.Set("v1")), "test", null, gaveUp.Token));

        Assert.Null((await bed.Patterns.ReadStateAsync())?.Snapshot);
        Assert.Empty(await bed.AuditNamesAsync());
    }

    [Fact]
    public async Task Bad_documents_are_refused_with_rule_line_and_reason_and_nothing_is_stored()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        var valid = PatternSetJson.Serialize(TestData.Set("v1"));

        var format = await Assert.ThrowsAsync<PatternSetFormatException>(() => bed.Release.PublishAsync(valid.Replace("\"score\"", "\"scroe\""), "test"));
        var lint = await Assert.ThrowsAsync<PatternSetLintException>(() => bed.Release.PublishAsync(valid.Replace("(?i)\\\\bcheap\\\\b", "(a+)+\\\\1"), "test"));
        var label = await Assert.ThrowsAsync<PatternSetFormatException>(() => bed.Release.PublishAsync(TestData.Set("../state"), "test"));

        Assert.NotNull(format.Line);
        Assert.Equal("CHEAP_WORD", Assert.Single(lint.Report.Findings).RuleId);
        Assert.NotNull(lint.Report.Findings[0].Line);
        Assert.Contains("version", label.Reason);
        Assert.Empty(await bed.Patterns.ListVersionsAsync());
        Assert.Null(await bed.Patterns.ReadStateAsync());
    }

    [Fact]
    public async Task A_costly_candidate_is_refused_on_the_cost_ratio_naming_the_costly_rules()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?>
        {
            ["Gate:maxP99CostRatio"] = "1.5",
            ["Gate:maxDeadlineHits"] = "1000",
        });
        var paragraphs = string.Join("\r\n\r\n", Enumerable.Range(0, 40).Select(i => $"Paragraph {i} of the weekly notes mentions item {i * 7} and owner number {i * 13}."));
        await bed.SampleAsync("notes", [.. Enumerable.Repeat(paragraphs, 20)]);
        await bed.PublishPassingAsync(TestData.Set("v1"));

        // Rules without any literal run on every paragraph of every mail, one of them on the backtracking engine; against
        // two literal-gated rules that is orders of magnitude more work than the 1.5x the budget allows.
        var costly = Enumerable.Range(0, 40)
            .Select(i => new Rule { Id = $"__COSTLY_{i}", Kind = RuleKind.Body, Pattern = $@"\b\w{{{i % 5 + 2},{i % 7 + 20}}}\s+\w+\s+\d{{{i % 3 + 1}}}[a-z]{{{i % 4 + 1}}}" })
            .Append(new Rule { Id = "__COSTLY_REPEAT", Kind = RuleKind.Body, Pattern = @"(\w+)\s+\1\b" })
            .ToArray();
        var meta = new Rule { Id = "COSTLY_COMBINATION", Kind = RuleKind.Meta, Expression = string.Join(" + ", costly.Select(rule => rule.Id)) + " > 3", Score = 1 };
        var result = await bed.Release.PublishAsync(TestData.Set("v2", [.. costly, meta]), "test");

        Assert.Equal(PublishOutcome.Refused, result.Outcome);
        var report = result.GateReport!;
        Assert.True(report.P99CostRatio > 1.5, $"ratio {report.P99CostRatio}");
        Assert.Contains(report.Refusals, refusal => refusal.Contains("active set", StringComparison.Ordinal));
        Assert.Equal("COSTLY_COMBINATION", report.Blamed[0]);
        Assert.DoesNotContain(report.Blamed, id => id is "CHEAP_WORD" or "VIAGRA_WORD");

        // Refused: stored with its report for the operator, serving nothing, audited.
        var state = await bed.StateAsync();
        Assert.Null(state.Canary);
        Assert.Equal("v1", state.Active!.Version);
        Assert.Contains("v2", await bed.Patterns.ListVersionsAsync());
        var audit = await bed.Documents.ReadAuditAsync(1);
        Assert.Equal((ReleaseAction.Refused, "v2"), (audit[0].Action, audit[0].To!.Version));
        Assert.Equal(report.Blamed, audit[0].Rules);
    }

    [Fact]
    public async Task The_absolute_cost_ceiling_applies_even_to_the_first_set()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Gate:maxP99Cost"] = "00:00:00.0000001" });
        await bed.SampleAsync("plain", Plain);

        var result = await bed.Release.PublishAsync(TestData.Set("v1"), "test");

        Assert.Equal(PublishOutcome.Refused, result.Outcome);
        Assert.Contains(result.GateReport!.Refusals, refusal => refusal.Contains("ceiling", StringComparison.Ordinal));
        Assert.Null(await bed.Patterns.ReadStateAsync());
    }

    [Fact]
    public async Task Deadline_hits_refuse_the_set_because_the_gate_scans_with_the_registered_scanner_options()
    {
        // The production options registered in the container carry a clock that jumps a second per reading, so every
        // scan passes its 2 s deadline: only a gate that scans with this very instance sees the hits. Without the
        // accelerator, which reads the clock once per unit rather than once per regex run.
        var scanner = new ScannerOptions { TimeProvider = new SteppingClock(TimeSpan.FromSeconds(1)), Accelerator = ScanAccelerator.None };
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, scanner: scanner);
        await bed.SampleAsync("plain", Plain);

        var result = await bed.Release.PublishAsync(
            TestData.Set(
                "v1",
                new Rule { Id = "ANY_WORD", Kind = RuleKind.Body, Pattern = @"\w{3,}" },
                new Rule { Id = "ANY_NUMBER", Kind = RuleKind.Body, Pattern = @"\d{2,}" },
                new Rule { Id = "ANY_SPACE", Kind = RuleKind.Body, Pattern = @"\s{2,}" }),
            "test");

        Assert.Equal(PublishOutcome.Refused, result.Outcome);
        Assert.True(result.GateReport!.Candidate!.DeadlineHits >= Plain.Length);
        Assert.Contains(result.GateReport.Refusals, refusal => refusal.Contains("deadline", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(2, PublishOutcome.Refused)]
    [InlineData(5, PublishOutcome.Canary)]
    public async Task Ham_to_spam_flips_over_the_limit_refuse_and_blame_the_new_rule(int allowed, PublishOutcome expected)
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Gate:maxHamToSpamFlips"] = $"{allowed}" });
        await bed.SampleAsync("plain", Plain);
        await bed.SampleAsync("greeting", [.. Enumerable.Repeat("Hello there, see you at lunch.", 5)]);
        await bed.PublishPassingAsync(TestData.Set("v1"));

        var result = await bed.Release.PublishAsync(TestData.Set("v2", new Rule { Id = "GREETING_IS_SPAM", Kind = RuleKind.Body, Pattern = "(?i)hello there", Score = 6 }), "test");

        Assert.Equal(expected, result.Outcome);
        Assert.Equal(5, result.GateReport!.HamToSpamFlips);
        Assert.Equal(expected == PublishOutcome.Refused ? ["GREETING_IS_SPAM"] : [], result.GateReport.Blamed);
        Assert.All(result.GateReport.FlipExamples, flip => Assert.StartsWith("sample/", flip.MessageId));
        Assert.Equal(expected == PublishOutcome.Canary ? "v2" : null, (await bed.StateAsync()).Canary?.Set.Version);
    }

    [Fact]
    public async Task Spam_to_ham_flips_over_the_limit_refuse()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Gate:maxSpamToHamFlips"] = "1" });
        await bed.SampleAsync("plain", Plain);
        await bed.SampleAsync("spam", "buy viagra today", "viagra for you", "cheap viagra");
        await bed.PublishPassingAsync(TestData.Set("v1"));
        var withoutViagra = TestData.Set("v2") with { Rules = [.. TestData.Set("v2").Rules.Where(rule => rule.Id != "VIAGRA_WORD")] };

        var result = await bed.Release.PublishAsync(withoutViagra, "test");

        Assert.Equal(PublishOutcome.Refused, result.Outcome);
        Assert.Equal(2, result.GateReport!.SpamToHamFlips);
        Assert.Contains(result.GateReport.Refusals, refusal => refusal.Contains("would be delivered", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_forced_publish_needs_a_reason_and_is_audited_with_the_refusals_it_overrides()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Gate:maxHamToSpamFlips"] = "0" });
        await bed.SampleAsync("greeting", "Hello there", "Hello there again");
        await bed.PublishPassingAsync(TestData.Set("v1"));
        var candidate = TestData.Set("v2", new Rule { Id = "GREETING_IS_SPAM", Kind = RuleKind.Body, Pattern = "(?i)hello there", Score = 6 });

        await Assert.ThrowsAsync<ArgumentException>(() => bed.Release.PublishAsync(candidate, "alice", new PublishOptions { Force = true }));
        var refused = await bed.Release.PublishAsync(candidate, "alice");
        bed.Time.Advance(TimeSpan.FromMinutes(1));
        var forced = await bed.Release.PublishAsync(candidate, "alice", new PublishOptions { Force = true, Reason = "incident drill" });

        Assert.Equal(PublishOutcome.Refused, refused.Outcome);
        Assert.Equal((PublishOutcome.Canary, true), (forced.Outcome, forced.Forced));
        Assert.False(forced.GateReport!.Passed);
        var change = (await bed.StateAsync()).History[^1];
        Assert.Equal((ReleaseAction.CanaryForced, "alice", "v2"), (change.Action, change.Actor, change.To!.Version));
        Assert.Contains("incident drill", change.Reason);
        Assert.Contains(forced.GateReport.Refusals[0], change.Reason);
        var audit = await bed.Documents.ReadAuditAsync(2);
        Assert.Equal([ReleaseAction.CanaryForced, ReleaseAction.Refused], audit.Select(record => record.Action));
        Assert.Equal(forced.GateReport.Refusals, audit[0].Refusals);
    }

    [Fact]
    public async Task A_publish_while_another_canary_runs_is_a_conflict_and_changes_nothing()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        await bed.PublishPassingAsync(TestData.Set("v1"));
        await bed.PublishPassingAsync(TestData.Set("v2"));
        var before = await bed.Patterns.ReadStateAsync();

        var conflict = await Assert.ThrowsAsync<ReleaseConflictException>(() => bed.Release.PublishAsync(TestData.Set("v3"), "test"));

        Assert.Equal(ReleaseConflict.CanaryInProgress, conflict.Conflict);
        Assert.Equal("v2", conflict.Canary!.Set.Version);
        Assert.Equal(before!.Snapshot!.ETag, (await bed.Patterns.ReadStateAsync())!.Snapshot!.ETag);
    }

    [Fact]
    public async Task Different_content_under_a_released_version_is_refused()
    {
        await using var bed = await ReleaseTestBed.CreateAsync(azurite, broker);
        var v1 = await bed.PublishPassingAsync(TestData.Set("v1"));

        var conflict = await Assert.ThrowsAsync<PatternSetVersionConflictException>(() =>
            bed.Release.PublishAsync(TestData.Set("v1", new Rule { Id = "EXTRA", Kind = RuleKind.Body, Pattern = "extra", Score = 1 }), "test"));

        Assert.Equal(v1.Digest, conflict.StoredDigest);
    }

    /// <summary>Reports compared as stored: through the JSON they are written as.</summary>
    private sealed class GateReportComparer : IEqualityComparer<GateReport?>
    {
        public static GateReportComparer Instance { get; } = new();

        public bool Equals(GateReport? x, GateReport? y) =>
            JsonSerializer.Serialize(x, ReleaseJson.Options) == JsonSerializer.Serialize(y, ReleaseJson.Options);

        public int GetHashCode(GateReport? obj) => 0;
    }
}
