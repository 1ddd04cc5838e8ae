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
    private readonly Dictionary<string, RecentMessageId> recentMessageIds = new(StringComparer.Ordinal);
    private readonly Queue<RecentMessageId> recentMessageIdOrder = new();
    private readonly Func<long> nextSequenceNumber;
    private readonly BrokerJournal? journal;
    private int nextReceiver;

    /// <param name="path">The entity path.</param>
    /// <param name="options">The queue's properties.</param>
    /// <param name="deadLetterQueue">Where failed messages go; null for a dead-letter queue.</param>
    /// <param name="nextSequenceNumber">Hands out the broker's sequence numbers.</param>
    /// <param name="journal">Where every change of a message is recorded; null when the broker keeps nothing on disk.</param>
    public DevQueue(string path, DevQueueOptions options, DevQueue? deadLetterQueue, Func<long> nextSequenceNumber, BrokerJournal? journal)
    {
        Path = path;
        Options = options;
        DeadLetterQueue = deadLetterQueue;
        this.nextSequenceNumber = nextSequenceNumber;
        this.journal = journal;
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

    /// <summary>Every message the queue holds, in any state (a locked one included), for a journal snapshot.</summary>
    public IEnumerable<StoredMessage> Messages =>
        available.Values.Concat(scheduled.Values).Concat(locks.Values.Select(messageLock => messageLock.Message));

    /// <summary>The MessageIds inside the duplicate-detection window, oldest first, for a journal snapshot.</summary>
    public IEnumerable<RecentMessageId> RecentMessageIds => recentMessageIdOrder.Where(seen => recentMessageIds.GetValueOrDefault(seen.MessageId) == seen);

    /// <summary>
    /// Takes back a message from the journal: scheduled when it has a scheduled time, else available. A message that
    /// was locked when the broker stopped is available again; its delivery count is what it was.
    /// </summary>
    public void Load(StoredMessage message)
    {
        if (message.ScheduledFor is not null)
        {
            scheduled.Add(message.SequenceNumber, message);
        }
        else
        {
            MakeAvailable(message);
        }
    }

    /// <summary>Takes back a MessageId from the journal; <see cref="Accept"/> forgets it once the window has passed.</summary>
    public void LoadMessageId(RecentMessageId seen) => Remember(seen);

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
            var seen = new RecentMessageId(messageId, now, message.SequenceNumber);
            Remember(seen);
            journal?.MessageIdSeen(Path, seen);
        }

        if (enqueuedAt > now)
        {
            message.ScheduledFor = enqueuedAt;
        }

        Load(message);
        journal?.Put(Path, message);
        return message.SequenceNumber;
    }

    public bool CancelScheduled(long sequenceNumber)
    {
        if (!scheduled.Remove(sequenceNumber))
        {
            return false;
        }

        journal?.Delete(sequenceNumber);
        return true;
    }

    /// <summary>Adds a dead-lettered copy; it keeps its sequence number and delivery count.</summary>
    public void AcceptDeadLettered(StoredMessage message, DateTimeOffset now)
    {
        message.EnqueuedTime = now;
        MakeAvailable(message);
        journal?.Put(Path, message);
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
    /// <param name="settled">
    /// For a receive-and-delete receiver: the message leaves the broker when it is sent, so its removal is recorded
    /// now. A peek-lock delivery stays on record until it is settled.
    /// </param>
    public StoredMessage? TakeNext(bool settled)
    {
        if (available.Count == 0)
        {
            return null;
        }

        var first = available.First().Value;
        Remove(first);
        if (settled)
        {
            journal?.Delete(first.SequenceNumber);
        }

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
    public void Restore(StoredMessage message)
    {
        MakeAvailable(message);
        journal?.Put(Path, message);
    }

    public void Complete(MessageLock messageLock)
    {
        if (locks.Remove(messageLock.LockToken))
        {
            journal?.Delete(messageLock.Message.SequenceNumber);
        }
    }

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
        journal?.Put(Path, message);
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
            journal?.Put(Path, messageLock.Message);
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
            else
            {
                journal?.Delete(message.SequenceNumber);
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
            var oldest = recentMessageIdOrder.Dequeue();
            if (recentMessageIds.GetValueOrDefault(oldest.MessageId) == oldest)
            {
                recentMessageIds.Remove(oldest.MessageId);
            }
        }
    }

    private void Remember(RecentMessageId seen)
    {
        recentMessageIds[seen.MessageId] = seen;
        recentMessageIdOrder.Enqueue(seen);
    }
}
