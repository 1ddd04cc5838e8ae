using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Addressing;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Scanning;

/// <summary>
/// Scans one mail blob and hands it on: the class the blob trigger and the reconciler call.
/// </summary>
/// <remarks>
/// <para>Order, chosen so a crash at any point loses nothing and relays nothing twice: (1) quarantine copy when a
/// domain quarantines, (2) claim check to the deliver queue with a message id stable for this blob and ETag,
/// (3) outcome recorded on the blob with <c>If-Match</c>. A crash before (3) leaves the blob without an outcome, so
/// a retry or the reconciler scans it again and sends the same message id, which duplicate detection drops.
/// A blob that already has an outcome is left alone.</para>
/// <para>Mail over <see cref="ScanOptions.MaxMailBytes"/> is not downloaded: it gets <see cref="ScanOptions.OversizedAction"/>
/// with an incomplete verdict and the reason. Unparseable mail is the engine's business: it always returns a verdict.
/// The set is chosen per mail (<see cref="ActivePatternSetProvider.ChooseAsync"/>): a canary scans its deterministic
/// share, the active set the rest, and each scan is counted per set and role when scan statistics are registered.
/// With no pattern set at all, <see cref="NoPatternSetPolicy"/> decides: hold (throw
/// <see cref="PatternSetUnavailableException"/>, retry later) or deliver unscanned.</para>
/// </remarks>
public sealed partial class ScanStage
{
    private const int MaxOutcomeAttempts = 3;
    private readonly MailStore mails;
    private readonly ActivePatternSetProvider patterns;
    private readonly DomainPolicyProvider domains;
    private readonly ClaimCheckSender claimChecks;
    private readonly ScanOptions options;
    private readonly NoPatternSetPolicy noPatternSetPolicy;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<ScanStage> logger;
    private readonly ScanStatsRecorder? stats;
    private readonly GateCorpus? corpus;

    /// <summary>Creates the stage.</summary>
    /// <param name="mails">The mail store.</param>
    /// <param name="patterns">The active pattern set.</param>
    /// <param name="domains">The domain policy (per-domain thresholds).</param>
    /// <param name="claimChecks">The deliver queue.</param>
    /// <param name="options">Size cap and oversized action.</param>
    /// <param name="patternOptions">The no-pattern-set policy.</param>
    /// <param name="timeProvider">Clock for outcome times.</param>
    /// <param name="logger">Log.</param>
    /// <param name="stats">Per-set scan statistics for the canary watchdog; null when not registered (<c>AddPrefilterScanStats</c>).</param>
    /// <param name="corpus">The release gate's corpus, which keeps a sample of scanned mail; null when not registered (<c>AddPrefilterGateCorpus</c>).</param>
    public ScanStage(
        MailStore mails,
        ActivePatternSetProvider patterns,
        DomainPolicyProvider domains,
        ClaimCheckSender claimChecks,
        IOptions<ScanOptions> options,
        IOptions<PatternStoreOptions> patternOptions,
        TimeProvider timeProvider,
        ILogger<ScanStage> logger,
        ScanStatsRecorder? stats = null,
        GateCorpus? corpus = null)
    {
        this.mails = mails ?? throw new ArgumentNullException(nameof(mails));
        this.patterns = patterns ?? throw new ArgumentNullException(nameof(patterns));
        this.domains = domains ?? throw new ArgumentNullException(nameof(domains));
        this.claimChecks = claimChecks ?? throw new ArgumentNullException(nameof(claimChecks));
        this.options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        noPatternSetPolicy = (patternOptions ?? throw new ArgumentNullException(nameof(patternOptions))).Value.NoPatternSetPolicy;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        this.stats = stats;
        this.corpus = corpus;
    }

    /// <summary>Scans a mail blob, hands it to delivery or quarantine, and records the outcome. Idempotent.</summary>
    /// <param name="blobName">Name in the incoming container (the trigger's <c>{name}</c>).</param>
    /// <param name="cancellationToken">Cancels the work; the blob keeps no outcome and is scanned again later.</param>
    /// <exception cref="PatternSetUnavailableException">No pattern set and the policy is Hold; retry later.</exception>
    /// <exception cref="Azure.RequestFailedException">Storage failed; retry.</exception>
    /// <exception cref="Azure.Messaging.ServiceBus.ServiceBusException">The claim check could not be sent; retry.</exception>
    public async Task<ScanStageResult> ScanAsync(string blobName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        if (!MailBlobName.IsMail(blobName))
        {
            return new ScanStageResult(blobName, ScanDisposition.NotMail);
        }

        // Spans are timed on the system clock, as Activity times them; the scan's span starts before the blob is read.
        var started = DateTimeOffset.UtcNow;
        StoredMail mail;
        try
        {
            mail = await mails.DownloadAsync(blobName, options.MaxMailBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (MailNotFoundException exception) when (exception.BlobName == blobName)
        {
            LogMissing(logger, blobName);
            return new ScanStageResult(blobName, ScanDisposition.Missing, Reason: exception.Message);
        }
        catch (Exception exception) when (exception is MailEnvelopeException or MailNotFoundException)
        {
            return await DeadLetterWithoutEnvelopeAsync(blobName, exception, cancellationToken).ConfigureAwait(false);
        }

        if (mail.Info.Outcome is { } recorded)
        {
            LogAlreadyHandled(logger, blobName, recorded);
            return new ScanStageResult(blobName, ScanDisposition.AlreadyHandled, mail.Info.Verdict);
        }

        using var activity = PipelineActivities.StartScan(blobName, mail.Info.Metadata, started);
        var verdict = mail.Info.Length > options.MaxMailBytes
            ? Oversized(mail.Info.Length)
            : await ScanWithActiveSetAsync(mail, activity, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(TelemetryAttributes.VerdictAction, PipelineMetrics.TagValue(verdict.Action))
            .SetTag(TelemetryAttributes.VerdictScore, verdict.Score)
            .SetTag(TelemetryAttributes.ScanIncomplete, verdict.Incomplete);

        var domainVerdicts = await DomainVerdictsAsync(mail.Envelope, verdict, cancellationToken).ConfigureAwait(false);
        var relayed = domainVerdicts.Values.Any(action => action != VerdictAction.Quarantine);
        if (!relayed || domainVerdicts.Values.Contains(VerdictAction.Quarantine))
        {
            await mails.QuarantineAsync(mail, cancellationToken).ConfigureAwait(false);
        }

        if (relayed)
        {
            await claimChecks.SendAsync(
                new ClaimCheck
                {
                    BlobName = blobName,
                    ETag = mail.Info.ETag.ToString(),
                    Verdict = verdict,
                    DomainVerdicts = domainVerdicts,
                    EnvelopeBlobName = mail.Info.Metadata.TryGetValue(MailMetadata.EnvelopeBlob, out var companion) ? companion : null,
                    ScannedAt = timeProvider.GetUtcNow(),
                },
                cancellationToken).ConfigureAwait(false);
        }

        var outcome = relayed ? MailOutcome.Scanned : MailOutcome.Quarantined;
        var now = timeProvider.GetUtcNow();
        await RecordAsync(mail.Info, new MailOutcomeRecord(outcome, now) { Verdict = verdict }, cancellationToken).ConfigureAwait(false);
        activity?.SetTag(TelemetryAttributes.MailOutcome, PipelineMetrics.TagValue(outcome));
        LogScanned(logger, blobName, verdict.Action, verdict.Score, verdict.SetDigest, outcome, verdict.Reason);
        if (outcome == MailOutcome.Quarantined)
        {
            MailOutcomeLog.Write(logger, mail.Info, mail.Envelope, outcome, verdict, now);
        }

        return new ScanStageResult(blobName, relayed ? ScanDisposition.Queued : ScanDisposition.Quarantined, verdict);
    }

    private async Task<ScanVerdict> ScanWithActiveSetAsync(StoredMail mail, System.Diagnostics.Activity? activity, CancellationToken cancellationToken)
    {
        var choice = await patterns.ChooseAsync(mail.Info.Name, cancellationToken).ConfigureAwait(false);
        if (choice is null)
        {
            return noPatternSetPolicy == NoPatternSetPolicy.Hold
                ? throw new PatternSetUnavailableException(
                    $"no pattern set is available; mail '{mail.Info.Name}' is held in the incoming container (policy {nameof(NoPatternSetPolicy.Hold)}) and will be scanned once a set is active",
                    patterns.LastError)
                : Unscanned(VerdictAction.Deliver, $"no pattern set available; delivered unscanned by policy {nameof(NoPatternSetPolicy.DeliverUnscanned)}");
        }

        var result = choice.Set.Compiled.Scan(mail.Content.ToMemory(), cancellationToken);
        stats?.Record(result, choice.Role);
        PipelineMetrics.Scanned(result, choice.Set.Reference.Version, choice.Role);
        activity?.SetTag(TelemetryAttributes.SetVersion, choice.Set.Reference.Version)
            .SetTag(TelemetryAttributes.SetRole, PipelineMetrics.TagValue(choice.Role));
        if (result.IncompleteCauses != IncompleteCauses.None)
        {
            activity?.SetTag(TelemetryAttributes.IncompleteReason, PipelineMetrics.IncompleteReasons(result.IncompleteCauses));
        }

        await SampleForGateAsync(mail, cancellationToken).ConfigureAwait(false);
        return new ScanVerdict
        {
            Action = result.Action,
            Score = result.Score,
            Rules = [.. result.Hits.Select(hit => hit.RuleId)],
            SetDigest = result.SetDigest,
            SetVersion = choice.Set.Reference.Version,
            Incomplete = result.Incomplete,
            Reason = result.IncompleteReason,
        };
    }

    private async Task SampleForGateAsync(StoredMail mail, CancellationToken cancellationToken)
    {
        if (corpus is null)
        {
            return;
        }

        try
        {
            await corpus.SampleAsync(mail.Info.Name, mail.Content.ToMemory(), cancellationToken).ConfigureAwait(false);
        }
        catch (Azure.RequestFailedException exception)
        {
            // The sample only feeds the release gate; a failed copy must not hold up or fail the mail.
            LogSampleFailed(logger, exception, mail.Info.Name);
        }
    }

    private async Task<ScanStageResult> DeadLetterWithoutEnvelopeAsync(string blobName, Exception exception, CancellationToken cancellationToken)
    {
        // Without a valid envelope there is nobody to relay to; record it so it is counted, not retried forever.
        var info = await mails.GetInfoAsync(blobName, cancellationToken).ConfigureAwait(false);
        if (info.Outcome is { } recorded)
        {
            return new ScanStageResult(blobName, ScanDisposition.AlreadyHandled, info.Verdict);
        }

        var reason = $"no usable SMTP envelope: {exception.Message}";
        var now = timeProvider.GetUtcNow();
        await RecordAsync(info, new MailOutcomeRecord(MailOutcome.DeadLettered, now) { Reason = reason }, cancellationToken).ConfigureAwait(false);
        MailOutcomeLog.Write(logger, info, null, MailOutcome.DeadLettered, null, now, reason);
        return new ScanStageResult(blobName, ScanDisposition.DeadLettered, Reason: reason);
    }

    private ScanVerdict Oversized(long length)
    {
        PipelineMetrics.Oversized();
        return Unscanned(
            options.OversizedAction,
            $"mail is {length} bytes, over the pipeline cap {nameof(ScanOptions)}.{nameof(ScanOptions.MaxMailBytes)} = {options.MaxMailBytes}; not scanned");
    }

    private static ScanVerdict Unscanned(VerdictAction action, string reason) => new()
    {
        Action = action,
        Score = 0,
        Rules = [],
        SetDigest = "",
        Incomplete = true,
        Reason = reason,
    };

    private async Task<IReadOnlyDictionary<string, VerdictAction>> DomainVerdictsAsync(MailEnvelope envelope, ScanVerdict verdict, CancellationToken cancellationToken)
    {
        DomainPolicy? policy = null;
        if (verdict.SetDigest.Length > 0)
        {
            try
            {
                policy = await domains.GetAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (DomainPolicyUnavailableException exception)
            {
                // Thresholds overrides are a refinement; the set's own action is a safe verdict meanwhile.
                LogNoDomainPolicy(logger, exception);
            }
        }

        var result = new Dictionary<string, VerdictAction>(StringComparer.Ordinal);
        foreach (var recipient in envelope.Recipients)
        {
            var domain = MailEnvelope.DomainOf(recipient);
            result.TryAdd(domain, policy?.ActionFor(domain, verdict.Score, verdict.Action) ?? verdict.Action);
        }

        return result;
    }

    private async Task RecordAsync(MailBlobInfo info, MailOutcomeRecord record, CancellationToken cancellationToken)
    {
        var current = info;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await mails.RecordOutcomeAsync(current, record, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (MailOutcomeConflictException) when (attempt < MaxOutcomeAttempts)
            {
                // Someone changed the blob meanwhile: delivery may already have recorded its outcome; never overwrite one.
                current = await mails.GetInfoAsync(info.Name, cancellationToken).ConfigureAwait(false);
                if (current.Outcome is not null)
                {
                    return;
                }
            }
        }
    }

    [LoggerMessage(EventId = 20, Level = LogLevel.Debug, Message = "Scanned {BlobName}: {Action} score {Score} set {SetDigest} -> {Outcome} {Reason}")]
    private static partial void LogScanned(ILogger logger, string blobName, VerdictAction action, double score, string setDigest, MailOutcome outcome, string? reason);

    [LoggerMessage(EventId = 21, Level = LogLevel.Debug, Message = "{BlobName} already has outcome {Outcome}; nothing to do")]
    private static partial void LogAlreadyHandled(ILogger logger, string blobName, MailOutcome outcome);

    [LoggerMessage(EventId = 22, Level = LogLevel.Warning, Message = "{BlobName} no longer exists; nothing to scan")]
    private static partial void LogMissing(ILogger logger, string blobName);

    [LoggerMessage(EventId = 25, Level = LogLevel.Warning, Message = "{BlobName} could not be copied into the gate corpus sample")]
    private static partial void LogSampleFailed(ILogger logger, Exception exception, string blobName);

    [LoggerMessage(EventId = 24, Level = LogLevel.Warning, Message = "Domain policy unavailable; per-domain thresholds not applied")]
    private static partial void LogNoDomainPolicy(ILogger logger, Exception exception);
}
