using System.Net;
using System.Net.Sockets;
using Azure.Storage.Queues;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Cli.Local;
using Prefilter.Pipeline.Release;

namespace Prefilter.Cli.Tests;

/// <summary>The gate queue poller against a queue service that cannot be reached (a closed loopback port).</summary>
public sealed class GateQueuePollerTests
{
    // Regression: the poller created its queue before its loop, outside any catch. It starts on the thread pool after
    // the host, so an Azurite killed just after the stack started (FaultRecoveryTests, now and then) failed that call
    // once the client's retries were spent, and the exception stopped the host.
    [Fact]
    public async Task Storage_down_when_it_first_runs_is_logged_and_the_poller_keeps_polling()
    {
        var queues = new QueueServiceClient(
            new Uri($"http://127.0.0.1:{ClosedPort()}/devstoreaccount1"),
            new Azure.Storage.StorageSharedKeyCredential("devstoreaccount1", Convert.ToBase64String(new byte[64])),
            new QueueClientOptions { Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(10) } });
        var logger = new ReceiveFailures();

        // The handler is never called: no message can be read.
        using var poller = new GateQueuePoller(
            new GateRequestQueue(queues, Options.Create(new ReleaseOptions())), null!, TimeProvider.System, new LocalStackOptions { BlobPollInterval = TimeSpan.FromMilliseconds(20) }, logger);

        await poller.StartAsync(CancellationToken.None);
        await Task.WhenAny(logger.Failed.Task, poller.ExecuteTask!).WaitAsync(TimeSpan.FromMinutes(1));

        Assert.True(logger.Failed.Task.IsCompleted, $"not logged; the poller ended: {poller.ExecuteTask!.Exception?.InnerException?.GetType().Name}");
        Assert.False(poller.ExecuteTask!.IsCompleted);
        await poller.StopAsync(CancellationToken.None);
    }

    private static int ClosedPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    private sealed class ReceiveFailures : ILogger<GateQueuePoller>
    {
        public TaskCompletionSource Failed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id == 908)
            {
                Failed.TrySetResult();
            }
        }
    }
}
