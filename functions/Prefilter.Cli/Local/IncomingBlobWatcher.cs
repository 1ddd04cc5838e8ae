using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Cli.Local;

/// <summary>
/// The local stand-in for the Event Grid blob trigger of <c>ScanMail</c>: polls <c>incoming/</c> for mail without an
/// outcome and hands each to the same <see cref="ScanStage"/> the function calls. A failed scan is retried at the next
/// poll, as Event Grid retries a failed delivery.
/// </summary>
internal sealed partial class IncomingBlobWatcher(MailStore mails, ScanStage scanStage, TimeProvider timeProvider, LocalStackOptions options, ILogger<IncomingBlobWatcher> logger)
    : BackgroundService
{
    private const int MaxConcurrentScans = 4;
    private readonly ConcurrentDictionary<string, byte> started = new(StringComparer.Ordinal);
    private int scansInProgress;

    /// <summary>Scans begun and not yet ended.</summary>
    public int ScansInProgress => Volatile.Read(ref this.scansInProgress);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var slots = new SemaphoreSlim(MaxConcurrentScans);
        var running = new List<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await PollAsync(slots, running, stoppingToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    // Storage down (Azurite restarting): an unhandled exception here would stop the whole host.
                    LogPollFailed(logger, exception);
                }

                running.RemoveAll(task => task.IsCompleted);
                await Task.Delay(options.BlobPollInterval, timeProvider, stoppingToken);
            }
        }
        finally
        {
            // Stopping cancels the wait between polls with an exception; the scans under way must still release their
            // slot before it is disposed.
            await Task.WhenAll(running);
        }
    }

    private async Task PollAsync(SemaphoreSlim slots, List<Task> running, CancellationToken stoppingToken)
    {
        var now = timeProvider.GetUtcNow();

        // Mail is named by arrival day: yesterday's prefix covers a run across midnight.
        foreach (var prefix in new[] { MailBlobName.DayPrefix(now.AddDays(-1)), MailBlobName.DayPrefix(now) }.Distinct())
        {
            await foreach (var mail in mails.ListAsync(prefix, stoppingToken))
            {
                if (mail.Outcome is not null || !started.TryAdd(mail.Name, 0))
                {
                    continue;
                }

                await slots.WaitAsync(stoppingToken);
                running.Add(ScanAsync(mail.Name, slots, stoppingToken));
            }
        }
    }

    private async Task ScanAsync(string blobName, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        await Task.Yield();
        Interlocked.Increment(ref this.scansInProgress);
        try
        {
            await scanStage.ScanAsync(blobName, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            started.TryRemove(blobName, out _);
        }
        catch (Exception exception)
        {
            // Held (no pattern set yet) or a transient failure: the blob keeps no outcome and is tried again.
            started.TryRemove(blobName, out _);
            if (exception is PatternSetUnavailableException)
            {
                LogHeld(logger, blobName, exception.Message);
            }
            else
            {
                LogScanFailed(logger, exception, blobName);
            }
        }
        finally
        {
            Interlocked.Decrement(ref this.scansInProgress);
            slots.Release();
        }
    }

    [LoggerMessage(EventId = 900, Level = LogLevel.Warning, Message = "Mail {BlobName} held: {Reason}")]
    private static partial void LogHeld(ILogger logger, string blobName, string reason);

    [LoggerMessage(EventId = 906, Level = LogLevel.Warning, Message = "Listing incoming mail failed; it is listed again at the next poll")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 901, Level = LogLevel.Error, Message = "Scanning {BlobName} failed; it is tried again at the next poll")]
    private static partial void LogScanFailed(ILogger logger, Exception exception, string blobName);
}
