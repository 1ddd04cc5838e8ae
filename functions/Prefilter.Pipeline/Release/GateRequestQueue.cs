using System.Text.Json;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// The Storage queue of gate requests (<see cref="ReleaseOptions.GateQueue"/>, default <c>release-gate</c>), which the
/// queue-triggered <c>RunReleaseGate</c> function drains in its own scale group, away from scanning.
/// </summary>
public sealed class GateRequestQueue
{
    private readonly QueueClient queue;

    /// <summary>Creates the accessor.</summary>
    /// <param name="queues">The data storage account's queue service (Base64 messages, as the queue trigger reads them).</param>
    /// <param name="options">The queue name.</param>
    public GateRequestQueue(QueueServiceClient queues, IOptions<ReleaseOptions> options)
    {
        ArgumentNullException.ThrowIfNull(queues);
        queue = queues.GetQueueClient((options ?? throw new ArgumentNullException(nameof(options))).Value.GateQueue);
    }

    /// <summary>The queue.</summary>
    public QueueClient Client => queue;

    /// <summary>Puts a gate request on the queue, creating the queue when it does not exist (locally; the deployment creates it).</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="Azure.RequestFailedException">Storage failed.</exception>
    public async Task SendAsync(GateRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await queue.SendMessageAsync(Serialize(request), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The message text of a request.</summary>
    /// <param name="request">The request.</param>
    public static string Serialize(GateRequest request) => JsonSerializer.Serialize(request, ReleaseJson.Options);

    /// <summary>Reads a message text; null when it is not a gate request.</summary>
    /// <param name="messageText">The message text as the trigger delivers it.</param>
    public static GateRequest? TryParse(string? messageText)
    {
        try
        {
            return messageText is null ? null : JsonSerializer.Deserialize<GateRequest>(messageText, ReleaseJson.Options) is { ReleaseId: { } id } request && PatternRelease.IsValidId(id) ? request : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
