using System.Collections.Concurrent;
using System.Threading.Channels;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Prefilter.DevServices.FunctionsHost.Rpc;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// The conversation with one worker over its event stream: requests out, the responses that carry their request id
/// back, and the worker's log entries kept in arrival order.
/// </summary>
internal sealed class WorkerChannel
{
    private readonly Channel<StreamingMessage> outbound = Channel.CreateUnbounded<StreamingMessage>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConcurrentDictionary<string, TaskCompletionSource<StreamingMessage>> pending = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource closed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<WorkerLogEntry> logs = [];

    /// <summary>Creates the channel a worker with this id will open.</summary>
    /// <param name="workerId">The id the worker process was started with.</param>
    public WorkerChannel(string workerId) => WorkerId = workerId;

    /// <summary>The worker's id.</summary>
    public string WorkerId { get; }

    /// <summary>Completes when the worker opened its stream (sent <c>StartStream</c>).</summary>
    public Task Opened => opened.Task;

    /// <summary>Completes when the stream ended, from either side.</summary>
    public Task Closed => closed.Task;

    /// <summary>Every log entry so far (a snapshot).</summary>
    public IReadOnlyList<WorkerLogEntry> Logs
    {
        get
        {
            lock (logs)
            {
                return [.. logs];
            }
        }
    }

    /// <summary>Serves the stream until either side ends it; the worker's <c>StartStream</c> was already read.</summary>
    /// <param name="requests">What the worker sends.</param>
    /// <param name="responses">What the stand-in sends.</param>
    /// <param name="cancellationToken">The call ending.</param>
    public async Task RunAsync(IAsyncStreamReader<StreamingMessage> requests, IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        opened.TrySetResult();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var writer = WriteAsync(responses, stop.Token);
        try
        {
            while (await requests.MoveNext(cancellationToken).ConfigureAwait(false))
            {
                Receive(requests.Current);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or Grpc.Core.RpcException)
        {
            // The worker went away (exited or was killed); Closed tells whoever waits.
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await writer.ConfigureAwait(false);
            closed.TrySetResult();
            foreach (var request in pending.Values)
            {
                request.TrySetException(new IOException($"worker {WorkerId} closed its event stream"));
            }
        }
    }

    /// <summary>Sends a message that gets no response (terminate, cancel).</summary>
    public void Send(StreamingMessage message) => outbound.Writer.TryWrite(message);

    /// <summary>Sends a request and returns the response with the same request id.</summary>
    /// <param name="request">The request; its request id is set here.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="IOException">The stream closed before the response came.</exception>
    public async Task<StreamingMessage> RequestAsync(StreamingMessage request, CancellationToken cancellationToken)
    {
        request.RequestId = Guid.NewGuid().ToString();
        var response = new TaskCompletionSource<StreamingMessage>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[request.RequestId] = response;
        if (closed.Task.IsCompleted)
        {
            response.TrySetException(new IOException($"worker {WorkerId} closed its event stream"));
        }

        Send(request);
        try
        {
            return await response.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            pending.TryRemove(request.RequestId, out _);
        }
    }

    private void Receive(StreamingMessage message)
    {
        if (message.ContentCase == StreamingMessage.ContentOneofCase.RpcLog)
        {
            var log = message.RpcLog;
            var entry = new WorkerLogEntry(
                (LogLevel)log.Level,
                log.Category,
                log.Message,
                string.IsNullOrEmpty(log.InvocationId) ? null : log.InvocationId,
                log.Exception is { } exception ? $"{exception.Type}: {exception.Message}" : null);
            lock (logs)
            {
                logs.Add(entry);
            }

            return;
        }

        if (pending.TryGetValue(message.RequestId, out var waiter))
        {
            waiter.TrySetResult(message);
        }
    }

    private async Task WriteAsync(IServerStreamWriter<StreamingMessage> responses, CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var message in outbound.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
            {
                await responses.WriteAsync(message, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or IOException or InvalidOperationException)
        {
            // The call ended; nothing more can be sent on it.
        }
    }
}
