using Azure;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Addressing;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Delivers the mail behind one claim-check message from the <c>deliver</c> queue and settles the message: the
/// class a Service Bus trigger binding would call, called here by <see cref="DeliveryProcessorService"/>.
/// </summary>
/// <remarks>
/// <para>A mail whose blob already carries a final outcome is not relayed again (a duplicate claim check completes
/// at once). Otherwise the mail is stamped with the verdict headers and relayed once per downstream, with only that
/// downstream's envelope recipients. When a later attempt may follow, each downstream's answer is recorded on the
/// blob as it comes (<see cref="DownstreamProgress"/>), so that attempt skips the downstreams that already accepted
/// (or refused) the mail.</para>
/// <para>Settling follows the answers: all accepted → outcome <see cref="MailOutcome.Delivered"/>, complete. Any
/// transient failure → a copy is scheduled for the next attempt (see <see cref="DeliveryRetryScheduler"/>) and the
/// message completed, until <see cref="DeliveryOptions.MaxAttempts"/> or <see cref="DeliveryOptions.MaxAge"/> is
/// reached, then dead-lettered; a downstream that took the mail while answering 4xx for some recipients gets it again
/// for those only; a downstream whose circuit is open (<see cref="DownstreamCircuitBreaker"/>) is not tried, a
/// transient failure too. A 5xx refusal → dead-lettered with the downstream's reply (also when the downstream refused only
/// some recipients and took the mail for the others). The outcome is recorded
/// on the blob before the message is settled, so a settlement that fails leads to a redelivery that completes
/// without relaying. A blob storage failure is retried like a transient downstream failure. Cancellation (the
/// processor stopping) leaves the message unsettled: it comes back.</para>
/// </remarks>
public sealed class DeliveryHandler
{
    // Conflicts come from another attempt writing the same blob at the same time; a few re-reads settle them.
    private const int MaxConflictRetries = 5;

    private readonly MailStore mails;
    private readonly DownstreamProgressStore progressStore;
    private readonly DomainPolicyProvider policies;
    private readonly DownstreamSecrets secrets;
    private readonly SmtpRelay relay;
    private readonly DeliveryRetryScheduler retries;
    private readonly DeliveryOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<DeliveryHandler> logger;

    /// <summary>Creates the handler.</summary>
    /// <param name="mails">The incoming mail blobs and their outcomes.</param>
    /// <param name="progress">Per-downstream markers on the mail blobs.</param>
    /// <param name="policies">The current domain policy, for routing.</param>
    /// <param name="secrets">Resolves downstream credentials.</param>
    /// <param name="relay">Relays to a downstream.</param>
    /// <param name="retries">Schedules later attempts.</param>
    /// <param name="options">Attempt and age limits, backoff.</param>
    /// <param name="timeProvider">Clock for retry times and outcome times.</param>
    /// <param name="logger">Log.</param>
    public DeliveryHandler(
        MailStore mails,
        DownstreamProgressStore progress,
        DomainPolicyProvider policies,
        DownstreamSecrets secrets,
        SmtpRelay relay,
        DeliveryRetryScheduler retries,
        IOptions<DeliveryOptions> options,
        TimeProvider timeProvider,
        ILogger<DeliveryHandler> logger)
    {
        this.mails = mails ?? throw new ArgumentNullException(nameof(mails));
        this.progressStore = progress ?? throw new ArgumentNullException(nameof(progress));
        this.policies = policies ?? throw new ArgumentNullException(nameof(policies));
        this.secrets = secrets ?? throw new ArgumentNullException(nameof(secrets));
        this.relay = relay ?? throw new ArgumentNullException(nameof(relay));
        this.retries = retries ?? throw new ArgumentNullException(nameof(retries));
        this.options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Delivers the mail behind <paramref name="message"/> and settles the message.</summary>
    /// <param name="message">A claim-check message from the <c>deliver</c> queue, locked by the caller.</param>
    /// <param name="settlement">Completes or dead-letters <paramref name="message"/>.</param>
    /// <param name="cancellationToken">Stops the delivery; the message is then left unsettled and comes back.</param>
    /// <returns>What was done.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; nothing was settled.</exception>
    /// <exception cref="RequestFailedException">Blob storage failed while giving up on the mail; nothing was settled, the message comes back.</exception>
    /// <exception cref="ServiceBusException">Scheduling the retry or settling failed; the message comes back.</exception>
    public async Task<DeliveryResult> HandleAsync(ServiceBusReceivedMessage message, IDeliverySettlement settlement, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(settlement);

        var result = await HandleOrRetryAsync(message, settlement, cancellationToken).ConfigureAwait(false);
        PipelineMetrics.Handled(PipelineMetrics.TagValue(result));
        return result;
    }

    private async Task<DeliveryResult> HandleOrRetryAsync(ServiceBusReceivedMessage message, IDeliverySettlement settlement, CancellationToken cancellationToken)
    {
        try
        {
            return await DeliverAsync(message, settlement, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && StorageFailure.Is(exception))
        {
            // Storage is failing: retry with the same backoff as a downstream outage, instead of abandoning the
            // message and burning its delivery count in seconds.
            logger.LogError(exception, "Blob storage failed while delivering message {MessageId}", message.MessageId);
            return await RetryOrGiveUpAsync(message, null, null, settlement, [$"blob storage: {exception.Message}"], cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested && exception is not ServiceBusException)
        {
            // A fault nobody foresaw must not leave the mail in flight for ever: it gets the same bounded retries as
            // a downstream outage, and its outcome says why when they run out. Only a failing settlement escapes
            // (the message then comes back).
            logger.LogError(exception, "Delivering message {MessageId} failed unexpectedly", message.MessageId);
            MailBlobInfo? info = null;
            try
            {
                info = await mails.GetInfoAsync(ClaimCheck.Parse(message.Body).BlobName, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception lookup) when (lookup is ClaimCheckFormatException or RequestFailedException or MailNotFoundException)
            {
                // Without the blob the retry still happens; only the outcome cannot be written.
            }

            return await RetryOrGiveUpAsync(message, info, null, settlement, [$"{exception.GetType().Name}: {exception.Message}"], cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<DeliveryResult> DeliverAsync(ServiceBusReceivedMessage message, IDeliverySettlement settlement, CancellationToken cancellationToken)
    {
        ClaimCheck claim;
        try
        {
            claim = ClaimCheck.Parse(message.Body);
        }
        catch (ClaimCheckFormatException exception)
        {
            logger.LogError(exception, "Message {MessageId} is not a claim check; dead-lettering it", message.MessageId);
            return await DeadLetterAsync(null, null, settlement, DeadLetterReasons.InvalidClaimCheck, exception.Message, cancellationToken).ConfigureAwait(false);
        }

        // One read for state and content: a duplicate claim check is rare, a second round trip per mail is not.
        StoredMail mail;
        try
        {
            mail = await mails.DownloadAsync(claim.BlobName, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is MailEnvelopeException or MailNotFoundException)
        {
            return await SettleUnreadableAsync(claim, message, settlement, exception, cancellationToken).ConfigureAwait(false);
        }

        if (mail.Info.Outcome is { } outcome && outcome.IsFinal())
        {
            return await AlreadySettledAsync(mail.Info, message, settlement, cancellationToken).ConfigureAwait(false);
        }

        DomainPolicy policy;
        try
        {
            policy = await policies.GetAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (DomainPolicyUnavailableException exception)
        {
            return await RetryOrGiveUpAsync(message, mail.Info, mail.Envelope, settlement, [exception.Message], cancellationToken).ConfigureAwait(false);
        }

        return await RouteAndRelayAsync(message, settlement, claim, mail, policy, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DeliveryResult> SettleUnreadableAsync(
        ClaimCheck claim, ServiceBusReceivedMessage message, IDeliverySettlement settlement, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is MailNotFoundException missing && missing.BlobName == claim.BlobName)
        {
            logger.LogError(exception, "Mail {BlobName} of message {MessageId} does not exist; dead-lettering the message", claim.BlobName, message.MessageId);
            return await DeadLetterAsync(null, null, settlement, DeadLetterReasons.MailUnreadable, exception.Message, cancellationToken).ConfigureAwait(false);
        }

        var unreadable = await mails.GetInfoAsync(claim.BlobName, cancellationToken).ConfigureAwait(false);
        if (unreadable.Outcome is { } settled && settled.IsFinal())
        {
            return await AlreadySettledAsync(unreadable, message, settlement, cancellationToken).ConfigureAwait(false);
        }

        logger.LogError(exception, "Mail {BlobName} has no readable envelope; dead-lettering message {MessageId}", claim.BlobName, message.MessageId);
        return await DeadLetterAsync(unreadable, null, settlement, DeadLetterReasons.MailUnreadable, exception.Message, cancellationToken).ConfigureAwait(false);
    }

    private async Task<DeliveryResult> RouteAndRelayAsync(
        ServiceBusReceivedMessage message, IDeliverySettlement settlement, ClaimCheck claim, StoredMail mail, DomainPolicy policy, CancellationToken cancellationToken)
    {
        var plan = policy.Route(mail.Envelope.Recipients);
        var relays = PlannedRelay.Plan(claim, policy, plan, out var quarantined);
        if (quarantined.Count > 0)
        {
            logger.LogInformation("Mail {BlobName}: not relayed to {Recipients}, their domains quarantine it", mail.Info.Name, quarantined);
        }

        if (relays.Count == 0)
        {
            var (reason, description) = plan.Unserved.Count > 0
                ? (DeadLetterReasons.NoServedRecipient, $"no recipient domain is served: {string.Join(", ", plan.Unserved)}")
                : (DeadLetterReasons.QuarantineVerdict, "every recipient's domain quarantines the mail; a quarantine verdict is never relayed");
            return await DeadLetterAsync(mail.Info, mail.Envelope, settlement, reason, description, cancellationToken).ConfigureAwait(false);
        }

        if (!RelayMessage.StartsWithHeaderField(mail.Content.ToMemory().Span))
        {
            // No door stores such a mail; one put into incoming/ by other means cannot be relayed as mail.
            logger.LogError("Mail {BlobName} is not a message; dead-lettering message {MessageId}", mail.Info.Name, message.MessageId);
            return await DeadLetterAsync(mail.Info, mail.Envelope, settlement, DeadLetterReasons.MailUnreadable, "not a message: it does not start with a header field", cancellationToken).ConfigureAwait(false);
        }

        var answers = new RelayAnswers(plan.Unserved);
        var info = await RelayAllAsync(claim, mail, relays, answers, cancellationToken).ConfigureAwait(false);

        // What the downstreams took cannot be taken back: a stop now (which cancels the token) must not keep it from
        // being written down, or the message would come back and the next attempt relay the mail again.
        return await SettleAsync(message, settlement, claim, info, mail.Envelope, answers, CancellationToken.None).ConfigureAwait(false);
    }

    // Sends each relay what its progress says is still due, collects the answers, and returns the blob as last written.
    private async Task<MailBlobInfo> RelayAllAsync(
        ClaimCheck claim, StoredMail mail, IReadOnlyList<PlannedRelay> relays, RelayAnswers answers, CancellationToken cancellationToken)
    {
        var info = mail.Info;
        for (var i = 0; i < relays.Count; i++)
        {
            var planned = relays[i];
            var earlier = DownstreamProgressMarker.Read(info.Metadata, planned.Downstream, planned.Action);
            var waiting = earlier.Waiting(planned.Recipients);
            if (waiting.Count == 0)
            {
                // Settled on an earlier attempt, or the recipients it deferred now route elsewhere (the domain policy
                // changed) and that relay sends to them; what it refused still counts.
                if (earlier.HasRefusals)
                {
                    answers.AddRefused(earlier.Description);
                }

                continue;
            }

            var progress = await RelayOnceAsync(claim, mail, planned, earlier, waiting, answers, cancellationToken).ConfigureAwait(false);
            if (progress is not null && LaterAttemptPossible(info, relays, i, answers))
            {
                // Not cancelled for the same reason as the settlement: this relay has happened.
                info = await RecordProgressAsync(info, planned, progress, CancellationToken.None).ConfigureAwait(false);
            }
        }

        return info;
    }

    // The progress only matters to a later attempt; when this is the last open relay and nothing failed transiently
    // (a deferral counts), there is none, and the final outcome written next says the same.
    private static bool LaterAttemptPossible(MailBlobInfo info, IReadOnlyList<PlannedRelay> relays, int index, RelayAnswers answers) =>
        answers.AnyTransient ||
        relays.Skip(index + 1).Any(r =>
            DownstreamProgressMarker.Read(info.Metadata, r.Downstream, r.Action).State is DownstreamState.Pending or DownstreamState.Deferred);

    // Relays the mail to the recipients still waiting and adds the answer to answers; returns the relay's new progress,
    // or null when it failed transiently (nothing to record: the next attempt sends the same).
    private async Task<DownstreamProgress?> RelayOnceAsync(
        ClaimCheck claim,
        StoredMail mail,
        PlannedRelay planned,
        DownstreamProgress earlier,
        IReadOnlyList<string> waiting,
        RelayAnswers answers,
        CancellationToken cancellationToken)
    {
        var (downstream, action, _) = planned;
        try
        {
            var credentials = secrets.Resolve(downstream);
            var data = RelayMessage.Create(VerdictHeaders.Format(action, claim.Verdict), mail.Content.ToMemory().Span);
            var result = await relay.RelayAsync(
                downstream, credentials, data, mail.Envelope.MailFrom, waiting, DownstreamProgress.MaxDeferredRecipients, cancellationToken).ConfigureAwait(false);
            logger.LogDebug("Mail {BlobName} relayed to {Downstream} for {RecipientCount} recipients: {Reply}",
                mail.Info.Name, downstream, waiting.Count - result.RefusedRecipients.Count - result.DeferredRecipients.Count, result.Reply);
            var progress = DownstreamProgress.Accepted(downstream, result, earlier);
            switch (progress.State)
            {
                case DownstreamState.Deferred:
                    // A retry follows for the deferred recipients; it sends to nobody who has the mail.
                    logger.LogWarning("Mail {BlobName}: {Deferral}", mail.Info.Name, progress.Description);
                    answers.AddTransient(progress.Description);
                    break;
                case DownstreamState.PartlyRefused:
                    logger.LogWarning("Mail {BlobName}: {Refusal}", mail.Info.Name, progress.Description);
                    answers.AddRefused(progress.Description);
                    break;
            }

            return progress;
        }
        catch (TransientRelayException exception)
        {
            logger.LogWarning("Mail {BlobName}: transient failure at {Downstream}: {StatusCode} {Reply}", mail.Info.Name, exception.Downstream, exception.StatusCode, exception.Reply);
            answers.AddTransient(exception.Message + earlier.BeforeSuffix);
            return null;
        }
        catch (KeyNotFoundException exception)
        {
            // A missing downstream password is a configuration fault that an operator can fix: retry, do not bounce.
            logger.LogError(exception, "Mail {BlobName}: no credentials for {Downstream}", mail.Info.Name, downstream);
            answers.AddTransient(exception.Message);
            return null;
        }
        catch (PermanentRelayException exception)
        {
            logger.LogWarning("Mail {BlobName}: {Downstream} refused it: {StatusCode} {Reply}", mail.Info.Name, exception.Downstream, exception.StatusCode, exception.Reply);
            var progress = DownstreamProgress.Refused(exception, earlier);
            answers.AddRefused(progress.Description);
            return progress;
        }
    }

    private async Task<DeliveryResult> SettleAsync(
        ServiceBusReceivedMessage message,
        IDeliverySettlement settlement,
        ClaimCheck claim,
        MailBlobInfo info,
        MailEnvelope envelope,
        RelayAnswers answers,
        CancellationToken cancellationToken)
    {
        if (answers.AnyTransient)
        {
            return await RetryOrGiveUpAsync(message, info, envelope, settlement, answers.All, cancellationToken).ConfigureAwait(false);
        }

        if (answers.AnyRefused)
        {
            var reason = answers.OnlyUnserved ? DeadLetterReasons.NoServedRecipient : DeadLetterReasons.DownstreamRejected;
            return await DeadLetterAsync(info, envelope, settlement, reason, string.Join("; ", answers.Refusals), cancellationToken).ConfigureAwait(false);
        }

        await RecordOutcomeAsync(info, MailOutcome.Delivered, null, cancellationToken).ConfigureAwait(false);
        await settlement.CompleteAsync(cancellationToken).ConfigureAwait(false);
        MailOutcomeLog.Write(logger, info, envelope, MailOutcome.Delivered, claim.Verdict, timeProvider.GetUtcNow());
        return DeliveryResult.Delivered;
    }

    private async Task<DeliveryResult> AlreadySettledAsync(
        MailBlobInfo info, ServiceBusReceivedMessage message, IDeliverySettlement settlement, CancellationToken cancellationToken)
    {
        logger.LogInformation("Mail {BlobName} is already {Outcome}; completing message {MessageId} without relaying", info.Name, info.Outcome, message.MessageId);
        await settlement.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return DeliveryResult.AlreadySettled;
    }

    private async Task<DeliveryResult> RetryOrGiveUpAsync(
        ServiceBusReceivedMessage message, MailBlobInfo? info, MailEnvelope? envelope, IDeliverySettlement settlement, IReadOnlyList<string> failures, CancellationToken cancellationToken)
    {
        var attempt = DeliveryRetryScheduler.AttemptOf(message);
        var age = timeProvider.GetUtcNow() - DeliveryRetryScheduler.FirstEnqueuedOf(message);
        var description = string.Join("; ", failures);
        if (attempt >= options.MaxAttempts || age >= options.MaxAge)
        {
            return await DeadLetterAsync(info, envelope, settlement, DeadLetterReasons.RetriesExhausted,
                $"gave up after {attempt} attempts over {age:g}: {description}", cancellationToken).ConfigureAwait(false);
        }

        var next = attempt + 1;
        var visibleAt = timeProvider.GetUtcNow() + options.BackoffBefore(next);
        var copyId = await retries.ScheduleAsync(message, next, visibleAt, cancellationToken).ConfigureAwait(false);
        PipelineMetrics.RetryScheduled(next);
        logger.LogInformation("Mail {BlobName}: attempt {Attempt} failed ({Failures}); attempt {Next} scheduled as {CopyId} for {VisibleAt:O}",
            info?.Name ?? message.Subject, attempt, description, next, copyId, visibleAt);
        await settlement.CompleteAsync(cancellationToken).ConfigureAwait(false);
        return DeliveryResult.RetryScheduled;
    }

    private async Task<DeliveryResult> DeadLetterAsync(
        MailBlobInfo? info, MailEnvelope? envelope, IDeliverySettlement settlement, string reason, string description, CancellationToken cancellationToken)
    {
        if (info is not null)
        {
            await RecordOutcomeAsync(info, MailOutcome.DeadLettered, $"{reason}: {description}", cancellationToken).ConfigureAwait(false);
        }

        // Service Bus caps the description at 4096 characters.
        var capped = description.Length <= 4000 ? description : description[..4000] + "…";
        await settlement.DeadLetterAsync(reason, capped, cancellationToken).ConfigureAwait(false);
        PipelineMetrics.DeadLettered(reason);
        if (info is not null)
        {
            MailOutcomeLog.Write(logger, info, envelope, MailOutcome.DeadLettered, info.Verdict, timeProvider.GetUtcNow(), $"{reason}: {description}");
        }

        return DeliveryResult.DeadLettered;
    }

    private async Task RecordOutcomeAsync(MailBlobInfo info, MailOutcome outcome, string? reason, CancellationToken cancellationToken)
    {
        var record = new MailOutcomeRecord(outcome, timeProvider.GetUtcNow()) { Reason = reason };
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await mails.RecordOutcomeAsync(info, record, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (MailOutcomeConflictException) when (attempt < MaxConflictRetries)
            {
                info = await mails.GetInfoAsync(info.Name, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<MailBlobInfo> RecordProgressAsync(MailBlobInfo info, PlannedRelay planned, DownstreamProgress progress, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await progressStore.RecordAsync(info, planned.Downstream, planned.Action, progress, cancellationToken).ConfigureAwait(false);
            }
            catch (MailOutcomeConflictException) when (attempt < MaxConflictRetries)
            {
                info = await mails.GetInfoAsync(info.Name, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
