using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Messaging;

namespace Prefilter.Pipeline.Stats;

/// <summary>
/// <see cref="IDeliveryBacklog"/> of the Service Bus deliver queue: peeks the messages (no lock taken, nothing
/// changes for delivery) and answers the age of the oldest one that is waiting for a delivery worker, by its enqueued
/// time.
/// </summary>
/// <remarks>
/// <para>A retry copy scheduled for later (a downstream is failing) is not backlog until its time comes; from then
/// its age counts from that time, since that is when it became deliverable. Peeking returns messages in sequence
/// order, scheduled ones included, so the probe pages past them: otherwise a few dozen mails waiting for an hourly
/// retry would hide every fresh mail queued behind them. At most <see cref="MaxPeeked"/> messages are read per
/// call.</para>
/// <para>Needs the <c>Listen</c> right (Azure Service Bus Data Receiver).</para>
/// </remarks>
public sealed class ServiceBusDeliveryBacklog : IDeliveryBacklog, IAsyncDisposable
{
    /// <summary>Messages peeked per request.</summary>
    public const int PeekPageSize = 100;

    /// <summary>Most messages read per call; the oldest waiting message is looked for among these.</summary>
    public const int MaxPeeked = 1000;

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
        var now = timeProvider.GetUtcNow();
        DateTimeOffset? oldest = null;

        // From sequence number 0 on the first page: without it a receiver continues after what it peeked before.
        long from = 0;
        for (var peeked = 0; peeked < MaxPeeked;)
        {
            var page = await receiver.PeekMessagesAsync(Math.Min(PeekPageSize, MaxPeeked - peeked), from, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            foreach (var message in page.Where(message => !IsScheduledAfter(message, now)))
            {
                oldest = oldest is { } known && known <= message.EnqueuedTime ? known : message.EnqueuedTime;
            }

            peeked += page.Count;
            from = page[^1].SequenceNumber + 1;
        }

        return oldest is { } time ? Max(now - time, TimeSpan.Zero) : null;
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => receiver.DisposeAsync();

    private static bool IsScheduledAfter(ServiceBusReceivedMessage message, DateTimeOffset now) =>
        message.State == ServiceBusMessageState.Scheduled || message.ScheduledEnqueueTime > now;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
