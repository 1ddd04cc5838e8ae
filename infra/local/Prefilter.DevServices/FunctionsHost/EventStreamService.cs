using System.Collections.Concurrent;
using Grpc.Core;
using Prefilter.DevServices.FunctionsHost.Rpc;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// The gRPC service a worker connects to: it reads the worker's first message (<c>StartStream</c>, naming the worker
/// id it was started with) and hands the stream to that worker's <see cref="WorkerChannel"/>.
/// </summary>
/// <param name="channels">The channels of the workers the stand-in started, by worker id.</param>
internal sealed class EventStreamService(ConcurrentDictionary<string, WorkerChannel> channels) : FunctionRpc.FunctionRpcBase
{
    /// <inheritdoc />
    public override async Task EventStream(IAsyncStreamReader<StreamingMessage> requestStream, IServerStreamWriter<StreamingMessage> responseStream, ServerCallContext context)
    {
        if (!await requestStream.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            return;
        }

        var first = requestStream.Current;
        if (first.ContentCase != StreamingMessage.ContentOneofCase.StartStream)
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.FailedPrecondition, $"the first message must be StartStream, not {first.ContentCase}"));
        }

        if (!channels.TryGetValue(first.StartStream.WorkerId, out var channel))
        {
            throw new Grpc.Core.RpcException(new Status(StatusCode.NotFound, $"no worker was started with id {first.StartStream.WorkerId}"));
        }

        await channel.RunAsync(requestStream, responseStream, context.CancellationToken).ConfigureAwait(false);
    }
}
