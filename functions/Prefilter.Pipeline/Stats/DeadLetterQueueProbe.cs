using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Messaging;

namespace Prefilter.Pipeline.Stats;

/// <summary>
/// Reads the deliver queue's dead-letter queue without changing it (peek, no lock): how many messages it holds and
/// the newest ones with their reasons. Needs the <c>Listen</c> right (Azure Service Bus Data Receiver).
/// </summary>
public sealed class DeadLetterQueueProbe : IAsyncDisposable
{
    /// <summary>Most messages read per call; a deeper queue is reported as at least this deep.</summary>
    public const int MaxPeeked = 1000;

    private const int PeekPageSize = 100;
    private readonly ServiceBusReceiver receiver;

    /// <summary>Creates the probe.</summary>
    /// <param name="client">The Service Bus client.</param>
    /// <param name="options">The deliver queue.</param>
    public DeadLetterQueueProbe(ServiceBusClient client, IOptions<ServiceBusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        receiver = client.CreateReceiver(options.Value.DeliverQueue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
    }

    /// <summary>Peeks the dead-letter queue.</summary>
    /// <param name="newest">How many of the newest messages to return.</param>
    /// <param name="cancellationToken">Cancels the peeks.</param>
    /// <returns>The depth (a lower bound when <see cref="DeadLetterSummary.AtLeast"/>) and the newest messages, newest first.</returns>
    /// <exception cref="ServiceBusException">The queue cannot be read.</exception>
    public async Task<DeadLetterSummary> PeekAsync(int newest, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(newest);
        var latest = new Queue<ServiceBusReceivedMessage>();
        var depth = 0;

        // From sequence number 0 on the first page: without it a receiver continues after what it peeked before.
        long from = 0;
        while (depth < MaxPeeked)
        {
            var page = await receiver.PeekMessagesAsync(Math.Min(PeekPageSize, MaxPeeked - depth), from, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var message in page)
            {
                latest.Enqueue(message);
                if (latest.Count > newest)
                {
                    latest.Dequeue();
                }
            }

            depth += page.Count;
            from = page[^1].SequenceNumber + 1;
        }

        return new DeadLetterSummary(
            depth,
            depth >= MaxPeeked,
            [.. latest.Reverse().Select(message => new DeadLetteredMessage(message.MessageId, message.EnqueuedTime, message.DeadLetterReason, message.DeadLetterErrorDescription))]);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => receiver.DisposeAsync();
}

/// <summary>What the dead-letter queue holds.</summary>
/// <param name="Depth">Messages in it (up to <see cref="DeadLetterQueueProbe.MaxPeeked"/>).</param>
/// <param name="AtLeast">True when there may be more than <paramref name="Depth"/>.</param>
/// <param name="Newest">The newest messages, newest first.</param>
public sealed record DeadLetterSummary(int Depth, bool AtLeast, IReadOnlyList<DeadLetteredMessage> Newest);

/// <summary>A dead-lettered delivery message.</summary>
/// <param name="MessageId">Its message id (the mail's blob name).</param>
/// <param name="EnqueuedTime">When it was first enqueued.</param>
/// <param name="Reason">Why it was dead-lettered (<c>DeadLetterReason</c>).</param>
/// <param name="Description">The details (<c>DeadLetterErrorDescription</c>).</param>
public sealed record DeadLetteredMessage(string MessageId, DateTimeOffset EnqueuedTime, string? Reason, string? Description);
