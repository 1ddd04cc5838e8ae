using System.Collections.Concurrent;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Cli.Local;

/// <summary>
/// The local stand-in for the Event Grid blob trigger of <c>ScanMail</c>: lists <c>incoming/</c> for mail without an
/// outcome and hands each to the same <see cref="ScanStage"/> the function calls. A failed scan is tried again at the
/// next poll, as Event Grid retries a failed delivery.
/// </summary>
/// <remarks>
/// Each poll lists only the mail named in the last seconds (names start with their arrival time), so a poll costs the
/// same on a day of ten mails as on a day of a million; a sweep of today and yesterday at start and every
/// <see cref="SweepInterval"/> finds what those listings missed, such as an upload that took longer than
/// <see cref="UploadSlack"/>.
/// </remarks>
internal sealed partial class IncomingBlobWatcher(MailStore mails, ScanStage scanStage, TimeProvider timeProvider, LocalStackOptions options, ILogger<IncomingBlobWatcher> logger)
    : BackgroundService
{
    private const int MaxConcurrentScans = 4;

    // A name carries the time the ingress named the mail, shortly before its blob exists: each listing looks back this
    // far before the previous poll.
    private static readonly TimeSpan UploadSlack = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    // Names start yyyyMMdd'T'HHmmss: the first 14 characters name a span of ten seconds.
    private static readonly int TenSecondsPrefixLength = "yyyyMMddTHHmms".Length;

    private readonly ConcurrentDictionary<string, byte> started = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> retries = new();
    private DateTimeOffset? listedUpTo;
    private DateTimeOffset nextSweep = DateTimeOffset.MinValue;
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
        for (var count = retries.Count; count > 0 && retries.TryDequeue(out var name); count--)
        {
            await StartAsync(name, slots, running, stoppingToken);
        }

        var sweep = listedUpTo is null || now >= nextSweep;
        foreach (var prefix in sweep ? DayPrefixes(now) : RecentPrefixes(listedUpTo!.Value - UploadSlack, now))
        {
            await foreach (var mail in mails.ListAsync(prefix, stoppingToken))
            {
                if (mail.Outcome is null)
                {
                    await StartAsync(mail.Name, slots, running, stoppingToken);
                }
            }
        }

        // Only a poll that listed everything moves the window on: after storage was down, the next one covers the outage.
        listedUpTo = now;
        if (sweep)
        {
            nextSweep = now + SweepInterval;
        }
    }

    // Mail is named by arrival day: yesterday's prefix covers a run across midnight.
    private static IEnumerable<string> DayPrefixes(DateTimeOffset now) =>
        new[] { MailBlobName.DayPrefix(now.AddDays(-1)), MailBlobName.DayPrefix(now) }.Distinct(StringComparer.Ordinal);

    private static IEnumerable<string> RecentPrefixes(DateTimeOffset from, DateTimeOffset to)
    {
        var tenSeconds = TimeSpan.FromSeconds(10);
        for (var at = new DateTimeOffset(from.UtcTicks - (from.UtcTicks % tenSeconds.Ticks), TimeSpan.Zero); at <= to; at += tenSeconds)
        {
            yield return MailBlobName.TimePrefix(at)[..TenSecondsPrefixLength];
        }
    }

    private async Task StartAsync(string blobName, SemaphoreSlim slots, List<Task> running, CancellationToken stoppingToken)
    {
        if (started.TryAdd(blobName, 0))
        {
            await slots.WaitAsync(stoppingToken);
            running.Add(ScanAsync(blobName, slots, stoppingToken));
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
            retries.Enqueue(blobName);
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
