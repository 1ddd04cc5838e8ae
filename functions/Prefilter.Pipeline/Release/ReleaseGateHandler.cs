using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// Runs the gate for one message of the gate queue and records the outcome in the release document: the class the
/// queue-triggered <c>RunReleaseGate</c> function calls (and <c>prefilter up</c>'s queue poller).
/// </summary>
/// <remarks>
/// The release goes <see cref="PatternReleaseStatus.Queued"/> → <see cref="PatternReleaseStatus.Running"/> →
/// refused, canary, active or failed. A failure no retry can fix (a stored set that no longer matches its digest, a gate
/// that throws, a canary of another version in progress) fails the release at once and the message is completed. A
/// storage failure or a state change during the gate is thrown, so the queue delivers the message again, until
/// <see cref="ReleaseOptions.MaxGateAttempts"/>: that delivery, or any later one, fails the release with the reason
/// instead of retrying, so nothing loops and nothing waits in the poison queue without a status. Host shutdown
/// (cancellation) leaves the message to come back.
/// </remarks>
public sealed partial class ReleaseGateHandler
{
    private readonly PatternReleaseService release;
    private readonly ReleaseDocuments documents;
    private readonly PatternStore store;
    private readonly ReleaseOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<ReleaseGateHandler> logger;

    /// <summary>Creates the handler.</summary>
    /// <param name="release">The publish path whose gate run this is.</param>
    /// <param name="documents">Release and upload documents.</param>
    /// <param name="store">The state, to tell where a set released before stands.</param>
    /// <param name="options">The attempt limit.</param>
    /// <param name="timeProvider">Clock.</param>
    /// <param name="logger">Log.</param>
    public ReleaseGateHandler(PatternReleaseService release, ReleaseDocuments documents, PatternStore store, IOptions<ReleaseOptions> options, TimeProvider timeProvider, ILogger<ReleaseGateHandler> logger)
    {
        this.release = release ?? throw new ArgumentNullException(nameof(release));
        this.documents = documents ?? throw new ArgumentNullException(nameof(documents));
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>Gates the release a queue message names.</summary>
    /// <param name="messageText">The message text (a <see cref="GateRequest"/>).</param>
    /// <param name="dequeueCount">How many times the queue handed out this message, this time included.</param>
    /// <param name="cancellationToken">Host shutdown; the message comes back.</param>
    /// <returns>The release as it stands after this run; null when the message names no release (it is dropped).</returns>
    /// <exception cref="RequestFailedException">Storage failed on an attempt below the limit; the queue retries.</exception>
    /// <exception cref="PatternStateConflictException">The state changed while the gate ran, on an attempt below the limit; the queue retries.</exception>
    public async Task<PatternRelease?> HandleAsync(string messageText, long dequeueCount, CancellationToken cancellationToken = default)
    {
        if (GateRequestQueue.TryParse(messageText) is not { } request)
        {
            LogNotAGateRequest(logger, messageText);
            return null;
        }

        if (await documents.ReadReleaseAsync(request.ReleaseId, cancellationToken).ConfigureAwait(false) is not { } queued)
        {
            LogUnknownRelease(logger, request.ReleaseId);
            return null;
        }

        if (queued.IsFinished)
        {
            return queued;
        }

        if (dequeueCount > options.MaxGateAttempts)
        {
            var reason = $"the gate request was taken from the queue {dequeueCount} times, over the limit of {options.MaxGateAttempts} ({ReleaseOptions.SectionName}:{nameof(ReleaseOptions.MaxGateAttempts)})"
                + (queued.Error is { } last ? $"; last failure: {last}" : "");
            return await FinishAsync(queued with { Attempts = dequeueCount }, PatternReleaseStatus.Failed, reason, cancellationToken).ConfigureAwait(false);
        }

        var running = queued with { Status = PatternReleaseStatus.Running, Attempts = dequeueCount, StartedAt = timeProvider.GetUtcNow() };
        await documents.WriteReleaseAsync(running, cancellationToken).ConfigureAwait(false);
        try
        {
            var published = await release.GateAsync(running, cancellationToken).ConfigureAwait(false);
            return await FinishAsync(running, published, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (Exception exception) when (exception is RequestFailedException or PatternStateConflictException && dequeueCount < options.MaxGateAttempts)
        {
            LogRetried(logger, exception, running.Id, dequeueCount, options.MaxGateAttempts);
            await documents.WriteReleaseAsync(running with { Status = PatternReleaseStatus.Queued, Error = exception.Message }, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        catch (Exception exception)
        {
            LogFailed(logger, exception, running.Id, running.Version);
            return await FinishAsync(running, PatternReleaseStatus.Failed, $"{exception.GetType().Name}: {exception.Message}", CancellationToken.None).ConfigureAwait(false);
        }
    }

    private async Task<PatternRelease> FinishAsync(PatternRelease running, PublishResult published, CancellationToken cancellationToken)
    {
        var gated = running with { GateReport = published.GateReport, Forced = published.Forced, SharePercent = published.SharePercent };
        switch (published.Outcome)
        {
            case PublishOutcome.Canary:
                return await FinishAsync(gated, PatternReleaseStatus.Canary, null, cancellationToken).ConfigureAwait(false);
            case PublishOutcome.Activated:
                return await FinishAsync(gated, PatternReleaseStatus.Active, null, cancellationToken).ConfigureAwait(false);
            case PublishOutcome.Refused:
                return await FinishAsync(gated, PatternReleaseStatus.Refused, "refused by the gate: " + string.Join("; ", published.GateReport?.Refusals ?? []), cancellationToken).ConfigureAwait(false);
            default:
                // Released before, e.g. by a concurrent publish of the same set: this release reports where it stands.
                var state = (await store.ReadStateAsync(cancellationToken: cancellationToken).ConfigureAwait(false))?.Snapshot?.State;
                var reference = new PatternSetRef(published.Version, published.Digest);
                var before = gated with { AlreadyPublished = true };
                return state?.Canary?.Set == reference
                    ? await FinishAsync(before with { SharePercent = state.Canary.SharePercent }, PatternReleaseStatus.Canary, null, cancellationToken).ConfigureAwait(false)
                    : state?.Active == reference
                        ? await FinishAsync(before, PatternReleaseStatus.Active, null, cancellationToken).ConfigureAwait(false)
                        : await FinishAsync(before, PatternReleaseStatus.Failed, $"version {published.Version} with this content was released before and serves no mail now; nothing changed (publish the set under a new version)", cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<PatternRelease> FinishAsync(PatternRelease release, PatternReleaseStatus status, string? error, CancellationToken cancellationToken)
    {
        var finished = release with { Status = status, Error = error, FinishedAt = timeProvider.GetUtcNow() };
        await documents.WriteReleaseAsync(finished, cancellationToken).ConfigureAwait(false);
        if (finished.Upload is { } upload)
        {
            await documents.WriteUploadResultAsync(UploadResultOf(upload, finished), cancellationToken).ConfigureAwait(false);
        }

        LogFinished(logger, finished.Id, finished.Version, status, error);
        return finished;
    }

    private static UploadResult UploadResultOf(string upload, PatternRelease finished) =>
        new(upload, finished.FinishedAt!.Value, finished.Status switch
        {
            PatternReleaseStatus.Canary when finished.AlreadyPublished => UploadOutcome.AlreadyPublished,
            PatternReleaseStatus.Active when finished.AlreadyPublished => UploadOutcome.AlreadyPublished,
            PatternReleaseStatus.Canary => UploadOutcome.Canary,
            PatternReleaseStatus.Active => UploadOutcome.Activated,
            PatternReleaseStatus.Refused => UploadOutcome.Refused,
            _ => UploadOutcome.Failed,
        })
        {
            Version = finished.Version,
            Digest = finished.Digest,
            Release = finished.Id,
            Error = finished.Error,
            Refusals = finished.Status == PatternReleaseStatus.Refused ? finished.GateReport?.Refusals ?? [] : [],
            Blamed = finished.Status == PatternReleaseStatus.Refused ? finished.GateReport?.Blamed ?? [] : [],
            GateReport = finished.GateReport is null ? null : ReleaseDocuments.GateReportBlobName(finished.Version),
        };

    [LoggerMessage(EventId = 350, Level = LogLevel.Error, Message = "Gate queue message is not a gate request and is dropped: {MessageText}")]
    private static partial void LogNotAGateRequest(ILogger logger, string messageText);

    [LoggerMessage(EventId = 351, Level = LogLevel.Error, Message = "Gate request names release {ReleaseId}, which has no release document; dropped")]
    private static partial void LogUnknownRelease(ILogger logger, string releaseId);

    [LoggerMessage(EventId = 352, Level = LogLevel.Warning, Message = "Gate run of release {ReleaseId} failed on attempt {Attempt} of {MaxAttempts}; the queue delivers it again")]
    private static partial void LogRetried(ILogger logger, Exception exception, string releaseId, long attempt, int maxAttempts);

    [LoggerMessage(EventId = 353, Level = LogLevel.Error, Message = "Gate run of release {ReleaseId} (version {Version}) failed and is not retried")]
    private static partial void LogFailed(ILogger logger, Exception exception, string releaseId, string version);

    [LoggerMessage(EventId = 354, Level = LogLevel.Information, Message = "Release {ReleaseId} of version {Version}: {Status} {Error}")]
    private static partial void LogFinished(ILogger logger, string releaseId, string version, PatternReleaseStatus status, string? error);
}
