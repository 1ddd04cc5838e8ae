namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Settles the Service Bus message <see cref="DeliveryHandler"/> is working on. The hosted processor implements it
/// over <c>ProcessMessageEventArgs</c>; a Service Bus trigger binding would implement it over its message actions.
/// </summary>
public interface IDeliverySettlement
{
    /// <summary>Removes the message from the queue: the mail is done with (delivered, or a retry copy is scheduled).</summary>
    /// <param name="cancellationToken">Cancels the call; the message then stays locked until its lock expires.</param>
    Task CompleteAsync(CancellationToken cancellationToken = default);

    /// <summary>Moves the message to the dead-letter queue with a reason.</summary>
    /// <param name="reason">A short machine-readable reason, e.g. <c>DownstreamRejected</c>.</param>
    /// <param name="description">What happened, e.g. the downstream's reply.</param>
    /// <param name="cancellationToken">Cancels the call; the message then stays locked until its lock expires.</param>
    Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default);
}
