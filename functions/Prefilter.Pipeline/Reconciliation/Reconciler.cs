using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Reconciliation;

/// <summary>
/// Re-drives mail whose BlobCreated event was lost or whose scan failed for good: every mail in
/// <c>incoming/</c> without an outcome after <see cref="ReconcilerOptions.MinimumAge"/> goes through
/// <see cref="ScanStage"/> again. Safe to run at any time: the scan stage is idempotent (stable message id,
/// outcome checked first).
/// </summary>
public sealed partial class Reconciler
{
    private readonly MailStore mails;
    private readonly ScanStage scanStage;
    private readonly ReconcilerOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<Reconciler> logger;

    /// <summary>Creates the reconciler.</summary>
    /// <param name="mails">The mail store.</param>
    /// <param name="scanStage">The scan stage to re-run.</param>
    /// <param name="options">Age, lookback and batch size.</param>
    /// <param name="timeProvider">Clock deciding what is old enough.</param>
    /// <param name="logger">Log.</param>
    public Reconciler(MailStore mails, ScanStage scanStage, IOptions<ReconcilerOptions> options, TimeProvider timeProvider, ILogger<Reconciler> logger)
    {
        this.mails = mails ?? throw new ArgumentNullException(nameof(mails));
        this.scanStage = scanStage ?? throw new ArgumentNullException(nameof(scanStage));
        this.options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>One pass over recent mail.</summary>
    /// <param name="cancellationToken">Stops the pass between mails.</param>
    /// <returns>Counts of what the pass saw and did.</returns>
    public async Task<ReconcileReport> RunAsync(CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var cutoff = now - options.MinimumAge;
        int examined = 0, redriven = 0, failed = 0;
        var held = false;
        for (var day = (now - options.Lookback).UtcDateTime.Date; day <= cutoff.UtcDateTime.Date && !held; day = day.AddDays(1))
        {
            await foreach (var mail in mails.ListAsync(MailBlobName.DayPrefix(day), cancellationToken).ConfigureAwait(false))
            {
                examined++;
                if (mail.Outcome is not null || mail.CreatedOn > cutoff)
                {
                    continue;
                }

                if (redriven + failed >= options.MaxPerRun)
                {
                    LogBatchFull(logger, options.MaxPerRun);
                    return new ReconcileReport(examined, redriven, failed, held);
                }

                try
                {
                    var result = await scanStage.ScanAsync(mail.Name, cancellationToken).ConfigureAwait(false);
                    redriven++;
                    LogRedriven(logger, mail.Name, mail.CreatedOn, result.Disposition);
                }
                catch (PatternSetUnavailableException exception)
                {
                    // Every other mail would be held too; stop and let the next run try again.
                    LogHeld(logger, exception, mail.Name);
                    held = true;
                    break;
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    failed++;
                    LogFailed(logger, exception, mail.Name);
                }
            }
        }

        return new ReconcileReport(examined, redriven, failed, held);
    }

    [LoggerMessage(EventId = 30, Level = LogLevel.Warning, Message = "Re-drove {BlobName} (stored {CreatedOn}, no outcome): {Disposition}")]
    private static partial void LogRedriven(ILogger logger, string blobName, DateTimeOffset createdOn, ScanDisposition disposition);

    [LoggerMessage(EventId = 31, Level = LogLevel.Error, Message = "Re-driving {BlobName} failed; the next run tries again")]
    private static partial void LogFailed(ILogger logger, Exception exception, string blobName);

    [LoggerMessage(EventId = 32, Level = LogLevel.Error, Message = "No pattern set available; mail is held ({BlobName} and the rest wait for the next run)")]
    private static partial void LogHeld(ILogger logger, Exception exception, string blobName);

    [LoggerMessage(EventId = 33, Level = LogLevel.Warning, Message = "Reconciler stopped after {MaxPerRun} mails; the rest waits for the next run")]
    private static partial void LogBatchFull(ILogger logger, int maxPerRun);
}

/// <summary>What one reconciler pass did.</summary>
/// <param name="Examined">Mail blobs listed.</param>
/// <param name="Redriven">Mail without an outcome that went through the scan stage again.</param>
/// <param name="Failed">Re-drives that failed (logged; retried next run).</param>
/// <param name="Held">True when the pass stopped because no pattern set is available.</param>
public sealed record ReconcileReport(int Examined, int Redriven, int Failed, bool Held);
