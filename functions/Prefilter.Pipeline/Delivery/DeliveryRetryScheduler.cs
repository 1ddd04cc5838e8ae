using System.Globalization;
using Azure.Messaging.ServiceBus;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Schedules the next delivery attempt of a claim check as a new message on the queue, so no lock is held while
/// the downstream recovers. The copy's MessageId is derived from the first message's id and the attempt number
/// (<c>{id}:retry:{n}</c>): duplicate detection would drop a copy that reused the original id, and a derived id
/// still lets it drop a second copy of the same attempt (when completing the original failed and it came back).
/// </summary>
public sealed class DeliveryRetryScheduler
{
    /// <summary>Application property: the attempt this message carries (1 for the scan stage's original).</summary>
    public const string AttemptProperty = "prefilter-attempt";

    /// <summary>Application property: the MessageId of the original claim check, kept on every copy.</summary>
    public const string OriginalMessageIdProperty = "prefilter-original-message-id";

    /// <summary>Application property: when the first attempt was enqueued (ISO 8601), kept on every copy to bound a mail's age.</summary>
    public const string FirstEnqueuedProperty = "prefilter-first-enqueued";

    // Service Bus caps MessageId at 128 characters.
    private const int MaxMessageIdLength = 128;

    private readonly ServiceBusSender sender;

    /// <summary>Creates the scheduler.</summary>
    /// <param name="sender">A sender for the deliver queue.</param>
    public DeliveryRetryScheduler(ServiceBusSender sender)
    {
        ArgumentNullException.ThrowIfNull(sender);
        this.sender = sender;
    }

    /// <summary>The attempt a received message carries: 1 for the original claim check.</summary>
    /// <param name="message">The received message.</param>
    public static int AttemptOf(ServiceBusReceivedMessage message) =>
        message.ApplicationProperties.TryGetValue(AttemptProperty, out var value) && value is int attempt && attempt > 0 ? attempt : 1;

    /// <summary>The MessageId of the original claim check this message stands for.</summary>
    /// <param name="message">The received message.</param>
    public static string OriginalMessageIdOf(ServiceBusReceivedMessage message) =>
        message.ApplicationProperties.TryGetValue(OriginalMessageIdProperty, out var value) && value is string id && id.Length > 0
            ? id
            : message.MessageId;

    /// <summary>When the first attempt of this mail was enqueued.</summary>
    /// <param name="message">The received message.</param>
    public static DateTimeOffset FirstEnqueuedOf(ServiceBusReceivedMessage message) =>
        message.ApplicationProperties.TryGetValue(FirstEnqueuedProperty, out var value) && value is string text &&
        DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var first)
            ? first
            : message.EnqueuedTime;

    /// <summary>The MessageId of the copy that carries attempt <paramref name="attempt"/>.</summary>
    /// <param name="originalMessageId">The original claim check's MessageId.</param>
    /// <param name="attempt">The attempt the copy carries (2 or more).</param>
    public static string RetryMessageId(string originalMessageId, int attempt)
    {
        var suffix = $":retry:{attempt}";
        var id = originalMessageId.Length + suffix.Length <= MaxMessageIdLength
            ? originalMessageId
            : Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(originalMessageId)));
        return id + suffix;
    }

    /// <summary>Sends a copy of <paramref name="message"/> that becomes visible at <paramref name="visibleAt"/> and carries <paramref name="attempt"/>.</summary>
    /// <param name="message">The message whose attempt failed.</param>
    /// <param name="attempt">The attempt the copy carries.</param>
    /// <param name="visibleAt">When the broker makes the copy available.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>The copy's MessageId.</returns>
    /// <exception cref="ServiceBusException">The send failed; the original must not be completed.</exception>
    public async Task<string> ScheduleAsync(ServiceBusReceivedMessage message, int attempt, DateTimeOffset visibleAt, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var original = OriginalMessageIdOf(message);
        var copy = new ServiceBusMessage(message)
        {
            MessageId = RetryMessageId(original, attempt),
            ScheduledEnqueueTime = visibleAt,
        };
        copy.ApplicationProperties[AttemptProperty] = attempt;
        copy.ApplicationProperties[OriginalMessageIdProperty] = original;
        copy.ApplicationProperties[FirstEnqueuedProperty] = FirstEnqueuedOf(message).ToString("O", CultureInfo.InvariantCulture);
        await sender.SendMessageAsync(copy, cancellationToken).ConfigureAwait(false);
        return copy.MessageId;
    }
}
