using System.Text.Json.Serialization;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Cli.Incident;

/// <summary>
/// What an incident replay showed; <c>prefilter replay-incident --json</c> prints it as is (camelCase names, stable).
/// </summary>
internal sealed record IncidentReport
{
    /// <summary>The active set the replay started from.</summary>
    public required string BaselineVersion { get; init; }

    /// <summary>The baseline plus the costly combination.</summary>
    public required string IncidentVersion { get; init; }

    /// <summary>The gate refused the incident set on the plain publish.</summary>
    public required bool GateRefused { get; init; }

    /// <summary>The gate's refusals, one sentence per breached budget.</summary>
    public required IReadOnlyList<string> GateRefusals { get; init; }

    /// <summary>Rules the gate blamed, costliest first (the combination's meta rule should lead).</summary>
    public required IReadOnlyList<string> BlamedRules { get; init; }

    /// <summary>Real-traffic messages in the gate's corpus sample (the rest of its corpus is adversarial mail it generates).</summary>
    public int GateSampleMessages { get; init; }

    /// <summary>Adversarial messages the gate generated for the incident set's rules.</summary>
    public int GateAdversarialMessages { get; init; }

    /// <summary>The forced publish made the set the canary, and <c>state.json</c> records it as <c>canary-forced</c> with actor and reason.</summary>
    public required bool ForcedCanary { get; init; }

    /// <summary>The history entry's reason for the forced canary (the override reason and the refusals it overrode).</summary>
    public string? ForcedReason { get; init; }

    /// <summary>Share of mail the canary served at stage 0.</summary>
    public double? CanarySharePercent { get; init; }

    /// <summary>The watchdog rolled the canary back (a <c>canary-rollback</c> by <c>watchdog</c> in the history).</summary>
    public required bool RolledBack { get; init; }

    /// <summary>The canary stage the rollback happened in (0 is the first).</summary>
    public int? RollbackStage { get; init; }

    /// <summary>The watchdog's reason, naming the breached limits and their figures.</summary>
    public string? RollbackReason { get; init; }

    /// <summary>Seconds the incident set served as canary, from its <c>canary-forced</c> entry to its <c>canary-rollback</c> entry.</summary>
    public double? CanarySeconds { get; init; }

    /// <summary>When stage 0 would have baked (its earliest move to the next stage); the rollback came before it.</summary>
    public DateTimeOffset? StageBakedAt { get; init; }

    /// <summary>The limits the canary broke (e.g. <c>p99-cost-ratio</c>).</summary>
    public IReadOnlyList<string> BreachedLimits { get; init; } = [];

    /// <summary>Canary scans the watchdog judged.</summary>
    public long CanaryScans { get; init; }

    /// <summary>Active-set scans the watchdog compared with.</summary>
    public long ActiveScans { get; init; }

    /// <summary>Canary p99 scan cost the watchdog saw, in milliseconds.</summary>
    public double? CanaryP99Ms { get; init; }

    /// <summary>Active-set p99 scan cost the watchdog saw, in milliseconds.</summary>
    public double? ActiveP99Ms { get; init; }

    /// <summary>Watchdog runs until it decided.</summary>
    public int WatchdogRuns { get; init; }

    /// <summary>Mail the SMTP ingress accepted during the replay.</summary>
    public required int Submitted { get; init; }

    /// <summary>Mail the ingress refused at the door (not accepted, so not counted as submitted).</summary>
    public int RefusedAtDoor { get; init; }

    /// <summary>Submitted mail the downstream (the SMTP sink) accepted.</summary>
    public required int Delivered { get; init; }

    /// <summary>Submitted mail kept in quarantine.</summary>
    public required int Quarantined { get; init; }

    /// <summary>Submitted mail given up with a reason.</summary>
    public required int DeadLettered { get; init; }

    /// <summary>Submitted mail with no final outcome when the replay ended: must be 0.</summary>
    public required int Lost { get; init; }

    /// <summary>Every mail has an outcome and the deliver queue is empty.</summary>
    public required bool BacklogDrained { get; init; }

    /// <summary>Mail accepted while the incident set was the canary (between the forced publish and the rollback).</summary>
    public int SubmittedDuringCanary { get; init; }

    /// <summary>Mail delivered while the incident set was the canary.</summary>
    public int DeliveredDuringCanary { get; init; }

    /// <summary>Mail accepted after the rollback.</summary>
    public int SubmittedAfterRollback { get; init; }

    /// <summary>Mail delivered after the rollback.</summary>
    public int DeliveredAfterRollback { get; init; }

    /// <summary>The changes of <c>state.json</c> during the replay, from its history.</summary>
    public required IReadOnlyList<TimelineEntry> Timeline { get; init; }

    /// <summary>What the replay did, with the time since it started.</summary>
    public required IReadOnlyList<ReplayStep> Steps { get; init; }

    /// <summary>Why the replay could not show something (a step that failed), or null.</summary>
    public string? Problem { get; init; }

    /// <summary>True when the replay showed every property: refused, forced and audited, rolled back in stage 0 on
    /// p99 cost, mail flowing during and after the canary, nothing lost, backlog drained.</summary>
    public bool Shown =>
        Problem is null && GateRefused && BlamedRules.Count > 0 && BlamedRules[0] == IncidentSets.CombinationRuleId
        && ForcedCanary && RolledBack && RollbackStage == 0 && BreachedLimits.Contains(Prefilter.Pipeline.Release.WatchdogBreach.P99CostRatio)
        && SubmittedDuringCanary > 0 && DeliveredDuringCanary > 0 && SubmittedAfterRollback > 0 && DeliveredAfterRollback > 0
        && Submitted > 0 && Lost == 0 && BacklogDrained;
}

/// <summary>One change of <c>state.json</c>.</summary>
/// <param name="At">When.</param>
/// <param name="Action">What (<c>canary-forced</c>, <c>canary-rollback</c>, …).</param>
/// <param name="From">The version serving before.</param>
/// <param name="To">The version serving after (for a canary: the canary).</param>
/// <param name="Actor">Who.</param>
/// <param name="Reason">Why.</param>
internal sealed record TimelineEntry(DateTimeOffset At, [property: JsonConverter(typeof(ReleaseActionJsonConverter))] ReleaseAction Action, string? From, string? To, string? Actor, string? Reason);

/// <summary>One step of the replay.</summary>
/// <param name="AtSeconds">Seconds since the replay started.</param>
/// <param name="Text">What happened.</param>
internal sealed record ReplayStep(double AtSeconds, string Text);
