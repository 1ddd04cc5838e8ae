using Azure.Storage.Queues.Models;
using Microsoft.Azure.Functions.Worker;
using Prefilter.Pipeline.Release;

namespace Prefilter.Functions.Functions;

/// <summary>
/// Runs the release gate for each request on the <c>release-gate</c> queue, in its own scale group
/// (<c>function:RunReleaseGate</c>), away from scanning and off the HTTP path.
/// </summary>
/// <param name="handler">The gate run; it records the outcome in the release document.</param>
public sealed class RunReleaseGateFunction(ReleaseGateHandler handler)
{
    /// <summary>The function name; the scale group <c>function:RunReleaseGate</c> in the infra names it.</summary>
    public const string Name = "RunReleaseGate";

    /// <summary>Gates the release the message names; a throw makes the queue deliver it again (the handler bounds that).</summary>
    /// <param name="message">The queue message, with its dequeue count.</param>
    /// <param name="cancellationToken">Host shutdown.</param>
    [Function(Name)]
    public Task RunAsync(
        [QueueTrigger(ReleaseOptions.DefaultGateQueue, Connection = "Storage")] QueueMessage message,
        CancellationToken cancellationToken) =>
        handler.HandleAsync(message.MessageText, message.DequeueCount, cancellationToken);
}
