using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Prefilter.Cli.Local;

/// <summary>The local stand-in for a timer trigger: runs one job every <see cref="LocalStackOptions.TimerInterval"/>.</summary>
/// <param name="name">The function it stands in for, for the log.</param>
/// <param name="job">The same call the function makes.</param>
/// <param name="interval">Time between runs.</param>
/// <param name="timeProvider">Clock.</param>
/// <param name="logger">Log.</param>
internal sealed partial class TimerTrigger(string name, Func<CancellationToken, Task> job, TimeSpan interval, TimeProvider timeProvider, ILogger<TimerTrigger> logger)
    : BackgroundService
{
    /// <summary>The function it stands in for.</summary>
    public string Name => name;

    /// <summary>Runs the job once at start too, as a timer trigger's <c>RunOnStartup</c> does.</summary>
    public bool RunAtStart { get; init; }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(interval, timeProvider);
        if (RunAtStart)
        {
            await RunAsync(stoppingToken);
        }

        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            await RunAsync(stoppingToken);
        }
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        try
        {
            await job(stoppingToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogFailed(logger, exception, name);
        }
    }

    [LoggerMessage(EventId = 903, Level = LogLevel.Error, Message = "Timer job {Name} failed; it runs again at the next tick")]
    private static partial void LogFailed(ILogger logger, Exception exception, string name);
}
