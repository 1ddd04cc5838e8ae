using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Cli.Local;
using Prefilter.DevServices.Corpus;
using Prefilter.Engine.Gating;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Cli.Incident;

/// <summary>
/// Replays the incident this project exists for on the local pipeline: with corpus mail flowing through the SMTP
/// ingress, publish the active set plus a costly combination of rules (the gate refuses it, naming the rules), force
/// the same set past the gate (audited), and let the watchdog roll it back during the first canary stage; then stop
/// the mail, wait for the backlog to drain and account for every mail.
/// </summary>
/// <remarks>
/// <para>Everything goes through the services the stack registered, as the Functions app does: the publish through
/// <see cref="PatternReleaseService"/> (the API's path), the rollback by <see cref="Watchdog.RunOnceAsync"/>, costs
/// measured by real scans of real mail. The replay only plays the timers: it runs the watchdog every
/// <see cref="IncidentReplayOptions.WatchdogInterval"/> instead of every minute.</para>
/// <para>The stack must be started with <see cref="StackSettings"/> (see <see cref="StartStackAsync"/>): a first
/// canary stage large enough that the canary gets the watchdog's minimum sample within seconds, figures flushed
/// every second, and enough mail sampled for the gate within seconds. Nothing else is changed from the defaults:
/// budgets, limits, the window and bake times are production's.</para>
/// </remarks>
internal sealed class IncidentReplay
{
    /// <summary>The actor named in the history and audit records of the replay's publishes.</summary>
    public const string Actor = "incident-replay";

    /// <summary>The reason given for forcing the incident set past the gate.</summary>
    public const string OverrideReason = "incident replay: release the refused set anyway to show the watchdog catching it";

    /// <summary>Share of mail the canary scans at stage 0 in the replay.</summary>
    public const double FirstStageSharePercent = 25;

    /// <summary>Scans the canary and the active set each need before the watchdog judges cost (production: 200).</summary>
    public const int MinimumSamples = 30;

    /// <summary>
    /// Share of scanned mail copied into the gate corpus (production: 1 %), so that the gate, a few seconds into the
    /// replay, judges the incident set on sampled traffic as well as on its adversarial mail.
    /// </summary>
    public const double GateSampleRate = 0.25;

    private readonly LocalStack stack;
    private readonly IncidentReplayOptions options;
    private readonly Action<ReplayStep>? onStep;
    private readonly TimeProvider timeProvider = TimeProvider.System;
    private readonly List<ReplayStep> steps = [];
    private long startedAt;

    /// <summary>Creates a replay on a running stack.</summary>
    /// <param name="stack">A stack started with <see cref="StackSettings"/>, its baseline active and no canary running.</param>
    /// <param name="options">Rate, timeouts, cadence.</param>
    /// <param name="onStep">Called with every step as it happens (progress output).</param>
    public IncidentReplay(LocalStack stack, IncidentReplayOptions? options = null, Action<ReplayStep>? onStep = null)
    {
        this.stack = stack ?? throw new ArgumentNullException(nameof(stack));
        this.options = options ?? new IncidentReplayOptions();
        this.onStep = onStep;
    }

    /// <summary>
    /// Settings the replay's stack runs with, on top of the defaults: a canary plan whose first stage serves
    /// <see cref="FirstStageSharePercent"/> % (production bake times), a watchdog minimum sample of
    /// <see cref="MinimumSamples"/>, scan figures flushed every second (production: 30 s), and a gate corpus sample
    /// rate of <see cref="GateSampleRate"/>.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> StackSettings { get; } = new Dictionary<string, string?>
    {
        ["Release:Stages:0:SharePercent"] = FirstStageSharePercent.ToString(CultureInfo.InvariantCulture),
        ["Release:Stages:0:BakeTime"] = "00:15:00",
        ["Release:Stages:1:SharePercent"] = "50",
        ["Release:Stages:1:BakeTime"] = "00:30:00",
        ["Watchdog:MinimumSamples"] = MinimumSamples.ToString(CultureInfo.InvariantCulture),
        ["ScanStats:FlushInterval"] = "00:00:01",
        ["Corpus:SampleRate"] = GateSampleRate.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>
    /// Starts a local stack for the replay: free ports, <see cref="StackSettings"/>, the built-in default set as the
    /// active baseline, no console logging.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="InvalidOperationException">Node.js or npm is missing, or Azurite did not start.</exception>
    /// <exception cref="IOException">A service could not listen.</exception>
    public static async Task<LocalStack> StartStackAsync(CancellationToken cancellationToken = default)
    {
        // The stack loads its start-up set from a file; the baseline is written to one for the start only.
        var baselinePath = Path.Combine(Path.GetTempPath(), $"prefilter-incident-baseline-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(baselinePath, IncidentSets.BaselineJson(), cancellationToken);
        try
        {
            return await LocalStack.StartAsync(
                new LocalStackOptions
                {
                    ApiPort = 0,
                    SmtpPort = 0,
                    PatternSetPath = baselinePath,
                    Settings = StackSettings,
                    ConsoleLogLevel = LogLevel.None,
                },
                cancellationToken);
        }
        finally
        {
            File.Delete(baselinePath);
        }
    }

    /// <summary>Runs the replay once.</summary>
    /// <param name="cancellationToken">Cancels the replay; the feeder stops, nothing else is undone.</param>
    /// <returns>What was shown; <see cref="IncidentReport.Shown"/> says whether every property held.</returns>
    /// <exception cref="Azure.RequestFailedException">Storage failed.</exception>
    /// <exception cref="Azure.Messaging.ServiceBus.ServiceBusException">The deliver queue could not be read.</exception>
    public async Task<IncidentReport> RunAsync(CancellationToken cancellationToken = default)
    {
        startedAt = timeProvider.GetTimestamp();
        var replayStart = timeProvider.GetUtcNow();
        var patterns = stack.Services.GetRequiredService<PatternStore>();
        var baselineRef = await ActiveBaselineAsync(patterns, cancellationToken);
        var baseline = await patterns.ReadSetAsync(baselineRef, cancellationToken);
        var incident = IncidentSets.WithCostlyCombination(
            baseline,
            string.Create(CultureInfo.InvariantCulture, $"incident-{replayStart:yyyyMMdd-HHmmss}"),
            replayStart);
        Step($"baseline {baselineRef} is active ({baseline.Rules.Count} rules); incident set {incident.Version} adds {IncidentSets.SubRuleCount} no-literal body rules combined by meta {IncidentSets.CombinationRuleId}");

        var before = await stack.CountAsync(cancellationToken);
        await using var feeder = await StartFeederAsync(cancellationToken);
        var feedingSince = timeProvider.GetTimestamp();
        var warm = await WaitForAsync(
            async () => await stack.CountAsync(cancellationToken) is var counts && Finished(counts) - Finished(before) >= options.WarmUpMails ? counts : null,
            feeder,
            cancellationToken);
        if (warm is null)
        {
            return await FinishAsync(Partial(baselineRef, incident.Version, feeder, $"no {options.WarmUpMails} mails were delivered within {options.PhaseTimeout:c}{FeederNote(feeder)}"), feeder, replayStart, cancellationToken);
        }

        Step($"{Finished(warm) - Finished(before)} mails delivered or quarantined on the baseline; publishing {incident.Version}");
        var gate = await PublishRefusedAsync(incident, cancellationToken);
        var forced = await ForceCanaryAsync(incident, gate, feeder, cancellationToken);
        if (forced.SharePercent is null)
        {
            return await FinishAsync(Partial(baselineRef, incident.Version, feeder, "the incident set is not the canary") with
            {
                GateRefused = gate.Refused,
                GateRefusals = gate.Report?.Refusals ?? [],
                BlamedRules = gate.Report?.Blamed ?? [],
            }, feeder, replayStart, cancellationToken);
        }

        var rollback = await AwaitRollbackAsync(incident.Version, baselineRef, feeder, cancellationToken);

        // Mail after the rollback: scanned by the baseline alone.
        var after = await WaitForAsync(() => Task.FromResult<object?>(feeder.Submitted >= rollback.Submitted + options.MailsAfterRollback ? feeder : null), feeder, cancellationToken);
        await feeder.StopAsync();
        Step($"{feeder.Submitted - rollback.Submitted} mails accepted after the rollback; feeder stopped at {feeder.Submitted} mails accepted ({feeder.Submitted / timeProvider.GetElapsedTime(feedingSince).TotalSeconds:0.#}/s){FeederNote(feeder)}");

        var drain = await DrainAsync(before, feeder, cancellationToken);
        var report = Report(baselineRef, incident.Version, gate, forced, rollback, drain, feeder) with
        {
            Problem = feeder.Failure is { } failure ? $"mail stopped flowing: {failure.Message}" : after is null ? "too little mail after the rollback" : null,
        };
        return await FinishAsync(report, feeder, replayStart, cancellationToken);
    }

    private static async Task<PatternSetRef> ActiveBaselineAsync(PatternStore patterns, CancellationToken cancellationToken)
    {
        var state = (await patterns.ReadStateAsync(cancellationToken: cancellationToken))?.Snapshot?.State;
        if (state?.Active is not { } baselineRef || state.Canary is not null)
        {
            throw new InvalidOperationException(state?.Canary is { } canary
                ? $"canary {canary.Set.Version} is in progress; the replay needs a stack with only an active set"
                : "no pattern set is active; the replay needs a stack with an active baseline set");
        }

        return baselineRef;
    }

    private async Task<MailFeeder> StartFeederAsync(CancellationToken cancellationToken)
    {
        var corpus = SpamAssassinCorpus.List(await SpamAssassinCorpus.EnsureDirectoryAsync(cancellationToken));
        var recipient = $"user@{stack.Services.GetRequiredService<LocalStackOptions>().Domains[0]}";
        var feeder = await MailFeeder.StartAsync(
            stack.SmtpIngress.Address.ToString(), stack.SmtpIngress.Port, recipient, corpus, options.MailsPerSecond, options.Seed, timeProvider, cancellationToken);
        Step($"mail flowing: {corpus.Count} SpamAssassin corpus messages, shuffled, at up to {options.MailsPerSecond:0.#}/s into the SMTP ingress for {recipient}");
        return feeder;
    }

    // a. The plain publish: the gate must refuse it and say which rules to blame.
    private async Task<GatePhase> PublishRefusedAsync(PatternSet incident, CancellationToken cancellationToken)
    {
        var refused = await stack.Services.GetRequiredService<PatternReleaseService>().PublishAsync(incident, Actor, null, cancellationToken);
        var gate = refused.GateReport;
        var gateRefused = refused.Outcome == PublishOutcome.Refused;
        Step(gateRefused
            ? $"gate REFUSED {incident.Version} on {gate?.SampleMessages} sampled and {gate?.AdversarialMessages} adversarial mails: {string.Join("; ", gate?.Refusals ?? [])}; blamed {string.Join(", ", (gate?.Blamed ?? []).Take(5))}{((gate?.Blamed.Count ?? 0) > 5 ? ", …" : "")}"
            : $"gate did not refuse {incident.Version}: {refused.Outcome}");
        return new GatePhase(refused, gate, gateRefused);
    }

    // b. The override: the same set forced past the gate, with a reason; it becomes the canary at stage 0.
    private async Task<ForcePhase> ForceCanaryAsync(PatternSet incident, GatePhase gate, MailFeeder feeder, CancellationToken cancellationToken)
    {
        var forcedAt = await stack.CountAsync(cancellationToken);
        var submittedAtCanary = feeder.Submitted;
        var forced = gate.Refused
            ? await stack.Services.GetRequiredService<PatternReleaseService>().PublishAsync(incident, Actor, new PublishOptions { Force = true, Reason = OverrideReason }, cancellationToken)
            : gate.Result;
        var state = (await stack.Services.GetRequiredService<PatternStore>().ReadStateAsync(cancellationToken: cancellationToken))?.Snapshot?.State;
        var forcedEntry = state?.History.LastOrDefault(change => change.Action == ReleaseAction.CanaryForced && change.To?.Version == incident.Version);
        var forcedCanary = forced is { Outcome: PublishOutcome.Canary, Forced: true } && forcedEntry is { Actor: Actor } && state?.Canary?.Set.Version == incident.Version;
        Step(forcedCanary
            ? $"forced past the gate by {forcedEntry!.Actor}: canary at stage {state!.Canary!.Stage}, {state.Canary.SharePercent} % of mail (history: {forcedEntry.Action.ToWord()})"
            : $"the forced publish did not start the canary: {forced.Outcome}");
        var sharePercent = state?.Canary?.Set.Version == incident.Version ? state.Canary.SharePercent : (double?)null;
        return new ForcePhase(forcedAt, submittedAtCanary, forcedEntry, forcedCanary, sharePercent);
    }

    // c, d. Mail keeps flowing; the watchdog judges the canary until it decides.
    private async Task<RollbackPhase> AwaitRollbackAsync(string incidentVersion, PatternSetRef baselineRef, MailFeeder feeder, CancellationToken cancellationToken)
    {
        var (decision, runs) = await WatchAsync(incidentVersion, feeder, cancellationToken);
        var rolledBackAt = await stack.CountAsync(cancellationToken);
        var submittedAtRollback = feeder.Submitted;
        var state = (await stack.Services.GetRequiredService<PatternStore>().ReadStateAsync(cancellationToken: cancellationToken))?.Snapshot?.State;
        var cancelEntry = state?.History.LastOrDefault(change => change.Action == ReleaseAction.CanaryRollback && change.From?.Version == incidentVersion);
        var rolledBack = cancelEntry is { Actor: Watchdog.Actor } && state?.Canary is null && state?.Active == baselineRef;
        Step(rolledBack
            ? $"watchdog ROLLED BACK {incidentVersion} at stage {decision?.Canary?.Stage} after {runs} runs: {cancelEntry!.Reason}"
            : $"the watchdog did not roll the canary back: {decision?.Outcome} {decision?.Summary}");
        return new RollbackPhase(decision, runs, rolledBackAt, submittedAtRollback, cancelEntry, rolledBack);
    }

    // e. Every accepted mail must end delivered, quarantined or dead-lettered, and the deliver queue must empty.
    private async Task<DrainPhase> DrainAsync(MailCounts before, MailFeeder feeder, CancellationToken cancellationToken)
    {
        var queue = stack.Services.GetRequiredService<IOptions<ServiceBusOptions>>().Value.DeliverQueue;
        var drained = await WaitForAsync(
            async () =>
            {
                var counts = await stack.CountAsync(cancellationToken);
                var broker = stack.Broker.GetQueueCounts(queue);
                var done = counts.InFlight == 0 && counts.Received - before.Received >= feeder.Submitted && broker.Active + broker.Scheduled + broker.Locked == 0;
                return done ? counts : null;
            },
            null,
            cancellationToken);
        var final = drained ?? await stack.CountAsync(cancellationToken);
        var delivered = final.Delivered - before.Delivered;
        var quarantined = final.Quarantined - before.Quarantined;
        var deadLettered = final.DeadLettered - before.DeadLettered;
        var lost = feeder.Submitted - delivered - quarantined - deadLettered;
        Step(drained is null
            ? $"backlog NOT drained within {options.PhaseTimeout:c}: {final}"
            : $"backlog drained: {feeder.Submitted} accepted = {delivered} delivered + {quarantined} quarantined + {deadLettered} dead-lettered; lost {lost}");
        return new DrainPhase(final, drained is not null, delivered, quarantined, deadLettered, lost);
    }

    private static IncidentReport Report(
        PatternSetRef baselineRef, string incidentVersion, GatePhase gate, ForcePhase forced, RollbackPhase rollback, DrainPhase drain, MailFeeder feeder)
    {
        var (decision, forcedEntry, cancelEntry) = (rollback.Decision, forced.Entry, rollback.Entry);
        return new IncidentReport
        {
            BaselineVersion = baselineRef.Version,
            IncidentVersion = incidentVersion,
            GateRefused = gate.Refused,
            GateRefusals = gate.Report?.Refusals ?? [],
            BlamedRules = gate.Report?.Blamed ?? [],
            GateSampleMessages = gate.Report?.SampleMessages ?? 0,
            GateAdversarialMessages = gate.Report?.AdversarialMessages ?? 0,
            ForcedCanary = forced.Canary,
            ForcedReason = forcedEntry?.Reason,
            CanarySharePercent = forced.SharePercent,
            RolledBack = rollback.RolledBack,
            RollbackStage = rollback.RolledBack ? decision?.Canary?.Stage : null,
            RollbackReason = cancelEntry?.Reason,
            CanarySeconds = forcedEntry is not null && cancelEntry is not null ? Math.Round((cancelEntry.At - forcedEntry.At).TotalSeconds, 1) : null,
            StageBakedAt = decision?.BakedAt,
            BreachedLimits = [.. decision?.Breaches.Select(breach => breach.Limit) ?? []],
            CanaryScans = decision?.CanaryFigures?.Count ?? 0,
            ActiveScans = decision?.ActiveFigures?.Count ?? 0,
            CanaryP99Ms = decision?.CanaryFigures?.P99.TotalMilliseconds,
            ActiveP99Ms = decision?.ActiveFigures?.P99.TotalMilliseconds,
            WatchdogRuns = rollback.Runs,
            Submitted = feeder.Submitted,
            RefusedAtDoor = feeder.Refused,
            Delivered = drain.Delivered,
            Quarantined = drain.Quarantined,
            DeadLettered = drain.DeadLettered,
            Lost = drain.Lost,
            BacklogDrained = drain.Drained,
            SubmittedDuringCanary = rollback.Submitted - forced.Submitted,
            DeliveredDuringCanary = rollback.At.Delivered - forced.At.Delivered,
            SubmittedAfterRollback = feeder.Submitted - rollback.Submitted,
            DeliveredAfterRollback = drain.Final.Delivered - rollback.At.Delivered,
            Timeline = [],
            Steps = [],
        };
    }

    private async Task<IncidentReport> FinishAsync(IncidentReport report, MailFeeder feeder, DateTimeOffset replayStart, CancellationToken cancellationToken)
    {
        await feeder.StopAsync();
        var history = (await stack.Services.GetRequiredService<PatternStore>().ReadStateAsync(cancellationToken: cancellationToken))?.Snapshot?.State.History ?? [];
        return report with
        {
            Timeline = [.. history.Where(change => change.At >= replayStart).Select(change => new TimelineEntry(change.At, change.Action, change.From?.Version, change.To?.Version, change.Actor, change.Reason))],
            Steps = [.. steps],
        };
    }

    private async Task<(WatchdogDecision? Decision, int Runs)> WatchAsync(string canaryVersion, MailFeeder feeder, CancellationToken cancellationToken)
    {
        var watchdog = stack.Services.GetRequiredService<Watchdog>();
        var deadline = timeProvider.GetTimestamp() + (long)(options.PhaseTimeout.TotalSeconds * timeProvider.TimestampFrequency);
        WatchdogDecision? last = null;
        string? lastSummary = null;
        var runs = 0;
        while (timeProvider.GetTimestamp() < deadline && feeder.Failure is null)
        {
            await Task.Delay(options.WatchdogInterval, timeProvider, cancellationToken);
            var decision = await watchdog.RunOnceAsync(cancellationToken);
            runs++;
            if (decision.Outcome is WatchdogOutcome.Conflict)
            {
                continue;
            }

            if (decision.Canary?.Set.Version != canaryVersion)
            {
                // Another run (the stack's own watchdog timer) decided first: its decision is the one kept for status pages.
                var kept = await stack.Services.GetRequiredService<WatchdogStatusStore>().ReadAsync(cancellationToken);
                return (kept?.Canary?.Set.Version == canaryVersion ? kept : last, runs);
            }

            last = decision;
            if (decision.Summary != lastSummary && decision.Outcome != WatchdogOutcome.RolledBack)
            {
                Step($"watchdog run {runs}: {decision.Summary}");
                lastSummary = decision.Summary;
            }

            if (decision.Outcome is WatchdogOutcome.RolledBack or WatchdogOutcome.Advanced or WatchdogOutcome.Promoted)
            {
                return (decision, runs);
            }
        }

        return (last, runs);
    }

    /// <summary>Polls <paramref name="probe"/> every 250 ms until it answers non-null, the phase times out, or mail stops flowing.</summary>
    private async Task<T?> WaitForAsync<T>(Func<Task<T?>> probe, MailFeeder? feeder, CancellationToken cancellationToken)
        where T : class
    {
        var deadline = timeProvider.GetTimestamp() + (long)(options.PhaseTimeout.TotalSeconds * timeProvider.TimestampFrequency);
        while (true)
        {
            if (await probe() is { } done)
            {
                return done;
            }

            if (timeProvider.GetTimestamp() >= deadline || feeder?.Failure is not null)
            {
                return null;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(250), timeProvider, cancellationToken);
        }
    }

    private IncidentReport Partial(PatternSetRef baseline, string incidentVersion, MailFeeder feeder, string problem)
    {
        Step($"stopped: {problem}");
        return new IncidentReport
        {
            BaselineVersion = baseline.Version,
            IncidentVersion = incidentVersion,
            GateRefused = false,
            GateRefusals = [],
            BlamedRules = [],
            ForcedCanary = false,
            RolledBack = false,
            Submitted = feeder.Submitted,
            RefusedAtDoor = feeder.Refused,
            Delivered = 0,
            Quarantined = 0,
            DeadLettered = 0,

            // Stopped before the drain: no accepted mail was checked, so none counts as accounted for.
            Lost = feeder.Submitted,
            BacklogDrained = false,
            Timeline = [],
            Steps = [],
            Problem = problem,
        };
    }

    private static int Finished(MailCounts counts) => counts.Delivered + counts.Quarantined + counts.DeadLettered;

    private static string FeederNote(MailFeeder feeder) =>
        (feeder.Refused > 0 ? $" ({feeder.Refused} refused at the door, first: {feeder.FirstRefusal})" : "")
        + (feeder.Failure is { } failure ? $" (mail stopped flowing: {failure.Message})" : "");

    private void Step(string text)
    {
        var step = new ReplayStep(Math.Round(timeProvider.GetElapsedTime(startedAt).TotalSeconds, 1), text);
        steps.Add(step);
        onStep?.Invoke(step);
    }

    private sealed record GatePhase(PublishResult Result, GateReport? Report, bool Refused);

    private sealed record ForcePhase(MailCounts At, int Submitted, PatternStateChange? Entry, bool Canary, double? SharePercent);

    private sealed record RollbackPhase(WatchdogDecision? Decision, int Runs, MailCounts At, int Submitted, PatternStateChange? Entry, bool RolledBack);

    private sealed record DrainPhase(MailCounts Final, bool Drained, int Delivered, int Quarantined, int DeadLettered, int Lost);
}
