namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// The state of one queue or dead-letter queue. Not thread-safe: <see cref="DevBrokerCore"/> calls every
/// member under its lock.
/// </summary>
internal sealed class DevQueue
{
    private readonly SortedDictionary<long, StoredMessage> available = new();
    private readonly SortedSet<(DateTimeOffset At, long SequenceNumber)> expiries = new();
    private readonly Dictionary<long, StoredMessage> scheduled = new();
    private readonly Dictionary<Guid, MessageLock> locks = new();
    private readonly List<QueueReceiverEndpoint> receivers = new();
    private readonly Dictionary<string, (DateTimeOffset FirstSeen, long SequenceNumber)> recentMessageIds = new(StringComparer.Ordinal);
    private readonly Queue<(string MessageId, DateTimeOffset FirstSeen)> recentMessageIdOrder = new();
    private readonly Func<long> nextSequenceNumber;
    private int nextReceiver;

    public DevQueue(string path, DevQueueOptions options, DevQueue? deadLetterQueue, Func<long> nextSequenceNumber)
    {
        Path = path;
        Options = options;
        DeadLetterQueue = deadLetterQueue;
        this.nextSequenceNumber = nextSequenceNumber;
    }

    /// <summary>The entity path: <c>{queue}</c> or <c>{queue}/$DeadLetterQueue</c>.</summary>
    public string Path { get; }

    public DevQueueOptions Options { get; }

    /// <summary>Where failed messages go; <see langword="null"/> for a dead-letter queue itself.</summary>
    public DevQueue? DeadLetterQueue { get; }

    public bool IsDeadLetterQueue => DeadLetterQueue is null;

    public int ActiveCount => available.Count;

    public int ScheduledCount => scheduled.Count;

    public int LockedCount => locks.Count;

    public int TotalCount => available.Count + scheduled.Count + locks.Count;

    public IList<QueueReceiverEndpoint> Receivers => receivers;

    /// <summary>
    /// Takes a sent message. Returns its sequence number, or for a duplicate (same MessageId within the
    /// duplicate-detection window) the original's sequence number and nothing is stored.
    /// </summary>
    public long Accept(byte[] encoded, string? messageId, TimeSpan? timeToLive, DateTimeOffset? scheduledFor, DateTimeOffset now)
    {
        ForgetOldMessageIds(now);
        if (messageId is not null && Options.DuplicateDetectionWindow is not null
            && recentMessageIds.TryGetValue(messageId, out var original))
        {
            return original.SequenceNumber;
        }

        var enqueuedAt = scheduledFor is { } at && at > now ? at : now;
        var ttl = timeToLive ?? Options.DefaultMessageTimeToLive;
        var message = new StoredMessage(nextSequenceNumber(), encoded, ttl is { } t ? enqueuedAt + t : null)
        {
            EnqueuedTime = enqueuedAt,
        };

        if (messageId is not null && Options.DuplicateDetectionWindow is not null)
        {
            recentMessageIds[messageId] = (now, message.SequenceNumber);
            recentMessageIdOrder.Enqueue((messageId, now));
        }

        if (enqueuedAt > now)
        {
            message.ScheduledFor = enqueuedAt;
            scheduled.Add(message.SequenceNumber, message);
        }
        else
        {
            MakeAvailable(message);
        }

        return message.SequenceNumber;
    }

    public bool CancelScheduled(long sequenceNumber) => scheduled.Remove(sequenceNumber);

    /// <summary>Adds a dead-lettered copy; it keeps its sequence number and delivery count.</summary>
    public void AcceptDeadLettered(StoredMessage message, DateTimeOffset now)
    {
        message.EnqueuedTime = now;
        MakeAvailable(message);
    }

    public QueueReceiverEndpoint? NextReceiverWithCredit()
    {
        for (var i = 0; i < receivers.Count; i++)
        {
            var receiver = receivers[(nextReceiver + i) % receivers.Count];
            if (receiver.Credit > 0)
            {
                nextReceiver = (nextReceiver + i + 1) % receivers.Count;
                return receiver;
            }
        }

        return null;
    }

    public bool HasAvailable => available.Count > 0;

    /// <summary>Removes and returns the available message with the lowest sequence number.</summary>
    public StoredMessage? TakeNext()
    {
        if (available.Count == 0)
        {
            return null;
        }

        var first = available.First().Value;
        Remove(first);
        return first;
    }

    public MessageLock Lock(StoredMessage message, DateTimeOffset now)
    {
        var messageLock = new MessageLock(message, Guid.NewGuid(), now + Options.LockDuration);
        locks.Add(messageLock.LockToken, messageLock);
        return messageLock;
    }

    public bool TryGetLock(Guid lockToken, out MessageLock messageLock) => locks.TryGetValue(lockToken, out messageLock!);

    /// <summary>Takes the message back without counting a delivery attempt: it never left the broker.</summary>
    public void Unlock(MessageLock messageLock)
    {
        if (locks.Remove(messageLock.LockToken))
        {
            MakeAvailable(messageLock.Message);
        }
    }

    /// <summary>Puts back a message that was taken for a receive-and-delete receiver but never sent.</summary>
    public void Restore(StoredMessage message) => MakeAvailable(message);

    public void Complete(MessageLock messageLock) => locks.Remove(messageLock.LockToken);

    /// <summary>
    /// Ends a delivery attempt that did not settle the message (abandon, release, lock expiry): the delivery
    /// count goes up and the message is delivered again, or dead-lettered once it reached MaxDeliveryCount.
    /// </summary>
    public void FailAttempt(MessageLock messageLock, IEnumerable<KeyValuePair<string, object?>> propertyEdits, DateTimeOffset now)
    {
        if (!locks.Remove(messageLock.LockToken))
        {
            return;
        }

        var message = messageLock.Message;
        ApplyEdits(message, propertyEdits);
        message.DeliveryCount++;
        if (DeadLetterQueue is not null && message.DeliveryCount >= Options.MaxDeliveryCount)
        {
            MoveToDeadLetterQueue(
                message,
                "MaxDeliveryCountExceeded",
                $"Message could not be consumed after {Options.MaxDeliveryCount} delivery attempts.",
                [],
                now);
            return;
        }

        MakeAvailable(message);
    }

    /// <summary>Dead-letters a locked message. On a dead-letter queue the message stays where it is.</summary>
    public void DeadLetter(MessageLock messageLock, string? reason, string? description, IEnumerable<KeyValuePair<string, object?>> propertyEdits, DateTimeOffset now)
    {
        if (!locks.Remove(messageLock.LockToken))
        {
            return;
        }

        if (DeadLetterQueue is null)
        {
            ApplyEdits(messageLock.Message, propertyEdits);
            MakeAvailable(messageLock.Message);
            return;
        }

        MoveToDeadLetterQueue(messageLock.Message, reason, description, propertyEdits, now);
    }

    public DateTimeOffset? Renew(Guid lockToken, DateTimeOffset now)
    {
        if (!locks.TryGetValue(lockToken, out var messageLock))
        {
            return null;
        }

        messageLock.LockedUntil = now + Options.LockDuration;
        return messageLock.LockedUntil;
    }

    /// <summary>Applies everything that became due: scheduled messages, expired locks, expired messages.</summary>
    public void Sweep(DateTimeOffset now)
    {
        foreach (var message in scheduled.Values.Where(m => m.ScheduledFor <= now).ToList())
        {
            scheduled.Remove(message.SequenceNumber);
            message.ScheduledFor = null;
            MakeAvailable(message);
        }

        foreach (var messageLock in locks.Values.Where(l => l.LockedUntil <= now).ToList())
        {
            FailAttempt(messageLock, [], now);
        }

        while (expiries.Count > 0 && expiries.Min.At <= now)
        {
            var message = available[expiries.Min.SequenceNumber];
            Remove(message);
            if (Options.DeadLetteringOnMessageExpiration && DeadLetterQueue is not null)
            {
                MoveToDeadLetterQueue(message, "TTLExpiredException", "The message expired and was dead lettered.", [], now);
            }
        }
    }

    /// <summary>The next instant at which <see cref="Sweep"/> has something to do.</summary>
    public DateTimeOffset? NextDue()
    {
        DateTimeOffset? next = expiries.Count > 0 ? expiries.Min.At : null;
        foreach (var message in scheduled.Values)
        {
            next = Earliest(next, message.ScheduledFor);
        }

        foreach (var messageLock in locks.Values)
        {
            next = Earliest(next, messageLock.LockedUntil);
        }

        return next;
    }

    /// <summary>Messages in every state from a sequence number on, for peek.</summary>
    public IEnumerable<(StoredMessage Message, DateTimeOffset? LockedUntil)> PeekFrom(long fromSequenceNumber, int count) =>
        available.Values.Select(m => (m, (DateTimeOffset?)null))
            .Concat(scheduled.Values.Select(m => (m, (DateTimeOffset?)null)))
            .Concat(locks.Values.Select(l => (l.Message, (DateTimeOffset?)l.LockedUntil)))
            .Where(entry => entry.Item1.SequenceNumber >= fromSequenceNumber)
            .OrderBy(entry => entry.Item1.SequenceNumber)
            .Take(count);

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;

    private static void ApplyEdits(StoredMessage message, IEnumerable<KeyValuePair<string, object?>> propertyEdits)
    {
        var edits = propertyEdits.ToList();
        if (edits.Count > 0)
        {
            message.Encoded = AmqpMessages.Edit(message.Encoded, edits);
        }
    }

    private void MoveToDeadLetterQueue(StoredMessage message, string? reason, string? description, IEnumerable<KeyValuePair<string, object?>> propertyEdits, DateTimeOffset now)
    {
        var edits = propertyEdits.ToList();
        if (reason is not null)
        {
            edits.Add(new(AmqpMessages.DeadLetterReason, reason));
        }

        if (description is not null)
        {
            edits.Add(new(AmqpMessages.DeadLetterErrorDescription, description));
        }

        message.Encoded = AmqpMessages.Edit(message.Encoded, edits, Path);
        DeadLetterQueue!.AcceptDeadLettered(message, now);
    }

    private void MakeAvailable(StoredMessage message)
    {
        available[message.SequenceNumber] = message;
        if (message.ExpiresAt is { } at && !IsDeadLetterQueue)
        {
            expiries.Add((at, message.SequenceNumber));
        }
    }

    private void Remove(StoredMessage message)
    {
        available.Remove(message.SequenceNumber);
        if (message.ExpiresAt is { } at)
        {
            expiries.Remove((at, message.SequenceNumber));
        }
    }

    private void ForgetOldMessageIds(DateTimeOffset now)
    {
        if (Options.DuplicateDetectionWindow is not { } window)
        {
            return;
        }

        while (recentMessageIdOrder.Count > 0 && now - recentMessageIdOrder.Peek().FirstSeen >= window)
        {
            var (messageId, firstSeen) = recentMessageIdOrder.Dequeue();
            if (recentMessageIds.TryGetValue(messageId, out var entry) && entry.FirstSeen == firstSeen)
            {
                recentMessageIds.Remove(messageId);
            }
        }
    }
}
