namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// A queue the <see cref="ServiceBusDevBroker"/> serves, with the Service Bus queue properties it honours.
/// Queues exist only when declared here: the broker has no administration API (the SDK's administration
/// client speaks HTTPS REST, which the broker does not serve).
/// </summary>
public sealed class DevQueueOptions
{
    /// <summary>The queue name (the SDK's entity path); compared case-insensitively, as Service Bus does.</summary>
    public string Name { get; set; } = "";

    /// <summary>
    /// How long a peek-lock receiver holds a message before the broker takes it back. An expired lock counts
    /// as a failed delivery attempt. Default 60 seconds, the Service Bus default.
    /// </summary>
    public TimeSpan LockDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Failed delivery attempts (abandon, lock expiry, release on link close) after which a message moves to
    /// the dead-letter queue with reason <c>MaxDeliveryCountExceeded</c>. Default 10, the Service Bus default.
    /// </summary>
    public int MaxDeliveryCount { get; set; } = 10;

    /// <summary>
    /// When set, a message whose MessageId was accepted less than this long ago is dropped silently (the send
    /// still succeeds), as Service Bus duplicate detection does. <see langword="null"/> turns detection off.
    /// </summary>
    public TimeSpan? DuplicateDetectionWindow { get; set; }

    /// <summary>
    /// When <see langword="true"/>, a message whose time to live runs out moves to the dead-letter queue with
    /// reason <c>TTLExpiredException</c>; otherwise it is discarded.
    /// </summary>
    public bool DeadLetteringOnMessageExpiration { get; set; }

    /// <summary>Time to live for messages sent without one; <see langword="null"/> means they never expire.</summary>
    public TimeSpan? DefaultMessageTimeToLive { get; set; }

    /// <summary>Checks the values and throws when one cannot be served.</summary>
    /// <exception cref="ArgumentException">A value is out of range; the message names the queue and the property.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name) || Name.Contains('/') || Name.StartsWith('$'))
        {
            throw new ArgumentException($"Queue name '{Name}' is empty, contains '/' or starts with '$'.", nameof(Name));
        }

        if (LockDuration <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Queue '{Name}': LockDuration must be positive, was {LockDuration}.", nameof(LockDuration));
        }

        if (MaxDeliveryCount < 1)
        {
            throw new ArgumentException($"Queue '{Name}': MaxDeliveryCount must be at least 1, was {MaxDeliveryCount}.", nameof(MaxDeliveryCount));
        }

        if (DuplicateDetectionWindow is { } window && window <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Queue '{Name}': DuplicateDetectionWindow must be positive when set, was {window}.", nameof(DuplicateDetectionWindow));
        }

        if (DefaultMessageTimeToLive is { } ttl && ttl <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Queue '{Name}': DefaultMessageTimeToLive must be positive when set, was {ttl}.", nameof(DefaultMessageTimeToLive));
        }
    }
}
