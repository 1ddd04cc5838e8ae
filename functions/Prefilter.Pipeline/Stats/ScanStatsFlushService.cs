using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Prefilter.Pipeline.Stats;

/// <summary>
/// Flushes <see cref="ScanStatsRecorder"/> every <see cref="ScanStatsOptions.FlushInterval"/>, and once more when the
/// host stops, so the figures of a scaled-in instance are not lost.
/// </summary>
public sealed partial class ScanStatsFlushService : BackgroundService
{
    private readonly ScanStatsRecorder recorder;
    private readonly TimeSpan interval;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<ScanStatsFlushService> logger;

    /// <summary>Creates the service.</summary>
    /// <param name="recorder">The recorder to flush.</param>
    /// <param name="options">The flush interval.</param>
    /// <param name="timeProvider">Clock for the timer.</param>
    /// <param name="logger">Log.</param>
    public ScanStatsFlushService(ScanStatsRecorder recorder, IOptions<ScanStatsOptions> options, TimeProvider timeProvider, ILogger<ScanStatsFlushService> logger)
    {
        this.recorder = recorder ?? throw new ArgumentNullException(nameof(recorder));
        interval = (options ?? throw new ArgumentNullException(nameof(options))).Value.FlushInterval;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <inheritdoc />
    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await FlushLoggedAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushLoggedAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: StopAsync writes the last figures.
        }
    }

    private async Task FlushLoggedAsync(CancellationToken cancellationToken)
    {
        try
        {
            await recorder.FlushAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is IOException or TimeoutException || Storage.StorageFailure.Is(exception))
        {
            // The figures stay in memory; the next tick writes them.
            LogFlushFailed(logger, exception);
        }
    }

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Scan stats flush failed; the figures stay in memory and the next flush writes them")]
    private static partial void LogFlushFailed(ILogger logger, Exception exception);
}
