using System.Net;
using System.Net.Sockets;
using Azure.Data.Tables;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Tests.Stats;

/// <summary>The flush service against a table that cannot be reached (a closed loopback port).</summary>
public sealed class ScanStatsFlushServiceTests
{
    // Regression: once its retries ran out the table client threw an AggregateException, which the service let escape,
    // and a BackgroundService that throws stops the whole host (loadtest --faults, Azurite down 30 s).
    [Fact]
    public async Task A_flush_that_cannot_reach_storage_is_logged_and_the_service_keeps_running()
    {
        var options = Options.Create(new ScanStatsOptions { FlushInterval = TimeSpan.FromSeconds(1) });
        var tables = new TableServiceClient(
            new Uri($"http://127.0.0.1:{ClosedPort()}/devstoreaccount1"),
            new TableSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64])),
            new TableClientOptions { Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(10) } });
        var time = new FakeTimeProvider();
        var recorder = new ScanStatsRecorder(new ScanStatsTable(tables, options, new PipelineContainers()), options, time, NullLogger<ScanStatsRecorder>.Instance);
        recorder.Record(StatsData.Result("d", TimeSpan.FromMilliseconds(1)), ScanRole.Active);
        var logger = new FlushFailures();
        using var service = new ScanStatsFlushService(recorder, options, time, logger);

        await service.StartAsync(CancellationToken.None);

        // ExecuteAsync starts on the thread pool, so its timer may not exist yet: tick until the flush has been tried.
        for (var tick = 0; tick < 600 && !logger.Failed.Task.IsCompleted && !service.ExecuteTask!.IsCompleted; tick++)
        {
            time.Advance(TimeSpan.FromSeconds(1));
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        Assert.True(logger.Failed.Task.IsCompleted, $"not logged; the service ended: {service.ExecuteTask!.Exception?.InnerException?.GetType().Name}");
        Assert.False(service.ExecuteTask!.IsCompleted);
        await service.StopAsync(CancellationToken.None);
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private sealed class FlushFailures : ILogger<ScanStatsFlushService>
    {
        public TaskCompletionSource Failed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 401)
            {
                Failed.TrySetResult();
            }
        }
    }
}
