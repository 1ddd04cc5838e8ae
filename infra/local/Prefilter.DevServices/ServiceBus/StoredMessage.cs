namespace Prefilter.DevServices.ServiceBus;

/// <summary>A message as the broker keeps it: the sender's encoded AMQP message plus broker bookkeeping.</summary>
internal sealed class StoredMessage
{
    public StoredMessage(long sequenceNumber, byte[] encoded, DateTimeOffset? expiresAt)
    {
        SequenceNumber = sequenceNumber;
        Encoded = encoded;
        ExpiresAt = expiresAt;
    }

    public long SequenceNumber { get; }

    /// <summary>The encoded message; replaced when a settlement modifies application properties.</summary>
    public byte[] Encoded { get; set; }

    public DateTimeOffset EnqueuedTime { get; set; }

    public DateTimeOffset? ExpiresAt { get; }

    /// <summary>Failed delivery attempts so far; sent as the AMQP header delivery-count (the SDK shows it + 1).</summary>
    public int DeliveryCount { get; set; }

    /// <summary>Set while the message waits in the scheduled set.</summary>
    public DateTimeOffset? ScheduledFor { get; set; }
}

/// <summary>A message handed to a peek-lock receiver; the lock token is also the AMQP delivery tag.</summary>
internal sealed class MessageLock
{
    public MessageLock(StoredMessage message, Guid lockToken, DateTimeOffset lockedUntil)
    {
        Message = message;
        LockToken = lockToken;
        LockedUntil = lockedUntil;
    }

    public StoredMessage Message { get; }

    public Guid LockToken { get; }

    public DateTimeOffset LockedUntil { get; set; }
}
