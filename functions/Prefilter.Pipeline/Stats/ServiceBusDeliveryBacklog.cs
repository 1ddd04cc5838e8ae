using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Messaging;

namespace Prefilter.Pipeline.Stats;

/// <summary>
/// <see cref="IDeliveryBacklog"/> of the Service Bus deliver queue: peeks the first messages (no lock taken, nothing
/// changes for delivery) and answers the age of the oldest by its enqueued time.
/// </summary>
/// <remarks>
/// Peeking sees active, locked and scheduled messages alike: a mail waiting for a delivery retry is backlog too. Needs
/// the <c>Listen</c> right (Azure Service Bus Data Receiver).
/// </remarks>
public sealed class ServiceBusDeliveryBacklog : IDeliveryBacklog, IAsyncDisposable
{
    /// <summary>Messages peeked per call; the oldest is among the first by sequence number.</summary>
    public const int PeekCount = 16;

    private readonly ServiceBusReceiver receiver;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates the probe.</summary>
    /// <param name="client">The Service Bus client.</param>
    /// <param name="options">The deliver queue.</param>
    /// <param name="timeProvider">Clock the age is measured with.</param>
    public ServiceBusDeliveryBacklog(ServiceBusClient client, IOptions<ServiceBusOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        receiver = client.CreateReceiver(options.Value.DeliverQueue);
    }

    /// <inheritdoc />
    /// <exception cref="ServiceBusException">The queue cannot be read.</exception>
    public async Task<TimeSpan?> OldestMessageAgeAsync(CancellationToken cancellationToken = default)
    {
        // From sequence number 0 every time: without it a receiver continues after what it peeked before.
        var messages = await receiver.PeekMessagesAsync(PeekCount, fromSequenceNumber: 0, cancellationToken).ConfigureAwait(false);
        if (messages.Count == 0)
        {
            return null;
        }

        var oldest = messages.Min(message => message.EnqueuedTime);
        var age = timeProvider.GetUtcNow() - oldest;
        return age < TimeSpan.Zero ? TimeSpan.Zero : age;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => receiver.DisposeAsync();
}
