using Amqp;
using Amqp.Framing;
using Amqp.Listener;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// The broker's queues behind one lock, and the single dispatcher that hands messages to receivers.
/// AMQP callbacks change state under the lock and ask for a dispatch; only the dispatcher sends, so messages
/// on a link and the completion of a drain keep their order, and no AMQP call runs under the lock.
/// With a journal, every change is appended under the lock and flushed after it, before the broker answers.
/// </summary>
internal sealed class DevBrokerCore : IAsyncDisposable
{
    private static readonly Error LockLostError = new(AmqpMessages.MessageLockLost)
    {
        Description = "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
    };

    private static readonly TimeSpan SweepPeriod = TimeSpan.FromSeconds(1);

    private readonly object sync = new();
    private readonly Dictionary<string, DevQueue> queues = new(StringComparer.OrdinalIgnoreCase);
    private readonly TimeProvider timeProvider;
    private readonly SemaphoreSlim dispatchSignal = new(0);
    private readonly CancellationTokenSource stopping = new();
    private readonly ITimer sweepTimer;
    private readonly Task dispatcher;
    private readonly BrokerJournal? journal;

    // Journal entries of queues not declared yet; a queue declared later takes its own.
    private readonly JournalState? undeclared;
    private int dispatchRequested;
    private int disposed;
    private long lastSequenceNumber;

    /// <param name="queueOptions">The queues declared at start.</param>
    /// <param name="timeProvider">The clock.</param>
    /// <param name="location">The journal's folder; null keeps everything in memory.</param>
    /// <exception cref="InvalidDataException">The journal is damaged.</exception>
    /// <exception cref="IOException">The journal cannot be read or written.</exception>
    public DevBrokerCore(IEnumerable<DevQueueOptions> queueOptions, TimeProvider timeProvider, string? location)
    {
        this.timeProvider = timeProvider;
        if (location is not null)
        {
            journal = BrokerJournal.Open(location, out var replayed);
            undeclared = replayed;
            lastSequenceNumber = replayed.LastSequenceNumber;
        }

        foreach (var options in queueOptions)
        {
            AddQueue(options);
        }

        sweepTimer = timeProvider.CreateTimer(_ => RequestDispatch(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        dispatcher = Task.Run(DispatchLoopAsync);
    }

    /// <summary>Adds a queue and its dead-letter queue; returns both.</summary>
    /// <exception cref="ArgumentException">A queue of that name exists.</exception>
    public IReadOnlyList<DevQueue> AddQueue(DevQueueOptions options)
    {
        lock (sync)
        {
            if (queues.ContainsKey(options.Name))
            {
                throw new ArgumentException($"Queue '{options.Name}' is declared twice.", nameof(options));
            }

            var deadLetterQueue = new DevQueue($"{options.Name}/$DeadLetterQueue", options, null, NextSequenceNumber, journal);
            var queue = new DevQueue(options.Name, options, deadLetterQueue, NextSequenceNumber, journal);
            queues[deadLetterQueue.Path] = deadLetterQueue;
            queues[queue.Path] = queue;
            LoadFromJournal(queue);
            LoadFromJournal(deadLetterQueue);
            return [queue, deadLetterQueue];
        }
    }

    public IReadOnlyList<DevQueue> Queues
    {
        get
        {
            lock (sync)
            {
                return queues.Values.ToList();
            }
        }
    }

    public bool TryGetQueue(string path, out DevQueue queue)
    {
        lock (sync)
        {
            return queues.TryGetValue(path, out queue!);
        }
    }

    /// <summary>The clock at AMQP timestamp precision (milliseconds), so clients see exactly the times the broker keeps.</summary>
    public DateTimeOffset Now
    {
        get
        {
            var now = timeProvider.GetUtcNow().UtcDateTime;
            return new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), TimeSpan.Zero);
        }
    }

    /// <exception cref="InvalidOperationException">The dispatcher failed, so nothing is delivered any more.</exception>
    public QueueCounts? GetCounts(string queueName)
    {
        if (dispatcher.IsFaulted)
        {
            throw new InvalidOperationException("The dev broker's dispatcher failed; no message is delivered any more.", dispatcher.Exception);
        }

        lock (sync)
        {
            if (!queues.TryGetValue(queueName, out var queue) || queue.DeadLetterQueue is null)
            {
                return null;
            }

            var now = Now;
            queue.Sweep(now);
            queue.DeadLetterQueue.Sweep(now);
            RequestDispatch();
            return new QueueCounts(queue.ActiveCount, queue.ScheduledCount, queue.LockedCount, queue.DeadLetterQueue.TotalCount);
        }
    }

    /// <summary>Stores sent messages; returns their sequence numbers.</summary>
    public IReadOnlyList<long> Accept(DevQueue queue, IReadOnlyList<byte[]> encodedMessages)
    {
        var decoded = encodedMessages.Select(encoded => (Encoded: encoded, Message: AmqpMessages.Decode(encoded))).ToList();
        var sequenceNumbers = new List<long>(decoded.Count);
        lock (sync)
        {
            var now = Now;
            foreach (var (encoded, message) in decoded)
            {
                sequenceNumbers.Add(queue.Accept(
                    encoded,
                    AmqpMessages.MessageIdOf(message),
                    AmqpMessages.TimeToLiveOf(message),
                    AmqpMessages.ScheduledEnqueueTimeOf(message),
                    now));
            }
        }

        journal?.Flush();
        RequestDispatch();
        return sequenceNumbers;
    }

    public IReadOnlyList<long> CancelScheduled(DevQueue queue, IEnumerable<long> sequenceNumbers)
    {
        var missing = new List<long>();
        lock (sync)
        {
            foreach (var sequenceNumber in sequenceNumbers)
            {
                if (!queue.CancelScheduled(sequenceNumber))
                {
                    missing.Add(sequenceNumber);
                }
            }
        }

        journal?.Flush();
        RequestDispatch();
        return missing;
    }

    public void AddReceiver(QueueReceiverEndpoint receiver)
    {
        lock (sync)
        {
            receiver.Queue.Receivers.Add(receiver);
        }
    }

    public void RemoveReceiver(QueueReceiverEndpoint receiver)
    {
        lock (sync)
        {
            receiver.Queue.Receivers.Remove(receiver);
        }
    }

    /// <summary>Mirrors the link's credit: <see cref="ListenerLink"/> adds a positive delta and zeroes credit otherwise.</summary>
    public void OnFlow(QueueReceiverEndpoint receiver, int delta)
    {
        lock (sync)
        {
            receiver.Credit = delta > 0 ? receiver.Credit + delta : 0;
        }

        RequestDispatch();
    }

    /// <summary>Applies a receiver's disposition; returns the outcome to answer with (settled).</summary>
    public Outcome Settle(DevQueue queue, Guid lockToken, DeliveryState? state)
    {
        lock (sync)
        {
            if (!queue.TryGetLock(lockToken, out var messageLock))
            {
                return new Rejected { Error = LockLostError };
            }

            var now = Now;
            switch (state)
            {
                case Accepted:
                    queue.Complete(messageLock);
                    break;
                case Modified modified:
                    queue.FailAttempt(messageLock, AmqpMessages.PropertyEdits(modified.MessageAnnotations), now);
                    break;
                case Rejected rejected:
                    // The SDK rejects only to dead-letter (condition com.microsoft:dead-letter); any other
                    // rejection also means "do not deliver this again".
                    var info = rejected.Error?.Info;
                    queue.DeadLetter(
                        messageLock,
                        info?[new Amqp.Types.Symbol(AmqpMessages.DeadLetterReason)] as string,
                        info?[new Amqp.Types.Symbol(AmqpMessages.DeadLetterErrorDescription)] as string,
                        AmqpMessages.PropertyEdits(info).Where(p => p.Key is not AmqpMessages.DeadLetterReason and not AmqpMessages.DeadLetterErrorDescription),
                        now);
                    break;
                case Released:
                    queue.FailAttempt(messageLock, [], now);
                    break;
                default:
                    return new Accepted();
            }
        }

        journal?.Flush();
        RequestDispatch();
        return new Accepted();
    }

    /// <summary>Management update-disposition: the same settlement, named by a status string.</summary>
    public bool SettleByStatus(DevQueue queue, Guid lockToken, string status, string? reason, string? description, IEnumerable<KeyValuePair<string, object?>> edits)
    {
        lock (sync)
        {
            if (!queue.TryGetLock(lockToken, out var messageLock))
            {
                return false;
            }

            var now = Now;
            switch (status)
            {
                case "completed":
                    queue.Complete(messageLock);
                    break;
                case "abandoned":
                    queue.FailAttempt(messageLock, edits, now);
                    break;
                case "suspended":
                    queue.DeadLetter(messageLock, reason, description, edits, now);
                    break;
                default:
                    throw new AmqpException(ErrorCode.NotImplemented, $"Disposition status '{status}' is not supported by the dev broker.");
            }
        }

        journal?.Flush();
        RequestDispatch();
        return true;
    }

    /// <summary>Renews locks; <see langword="null"/> when one of them is no longer held.</summary>
    public DateTime[]? RenewLocks(DevQueue queue, IReadOnlyList<Guid> lockTokens)
    {
        var expirations = new DateTime[lockTokens.Count];
        lock (sync)
        {
            var now = Now;
            for (var i = 0; i < lockTokens.Count; i++)
            {
                if (queue.Renew(lockTokens[i], now) is not { } until)
                {
                    return null;
                }

                expirations[i] = until.UtcDateTime;
            }
        }

        RequestDispatch();
        return expirations;
    }

    public IReadOnlyList<byte[]> Peek(DevQueue queue, long fromSequenceNumber, int count)
    {
        lock (sync)
        {
            queue.Sweep(Now);
            return queue.PeekFrom(fromSequenceNumber, count)
                .Select(entry => AmqpMessages.Encode(AmqpMessages.Annotate(entry.Message, new Message(), entry.LockedUntil)))
                .ToList();
        }
    }

    public void RequestDispatch()
    {
        if (Interlocked.Exchange(ref dispatchRequested, 1) == 0)
        {
            dispatchSignal.Release();
        }
    }

    /// <summary>Ends the core as a crash would: the journal is closed first, unflushed, so nothing more reaches it.</summary>
    public ValueTask CrashAsync()
    {
        journal?.Abandon();
        return DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        await stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await dispatcher.ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // The dispatcher ends by cancellation; any other fault surfaces here.
        }

        await sweepTimer.DisposeAsync().ConfigureAwait(false);
        stopping.Dispose();
        dispatchSignal.Dispose();
        journal?.Dispose();
    }

    private long NextSequenceNumber() => ++lastSequenceNumber;

    private void LoadFromJournal(DevQueue queue)
    {
        if (undeclared is null)
        {
            return;
        }

        foreach (var (sequenceNumber, (entityPath, message)) in undeclared.Messages.Where(entry => Owns(queue, entry.Value.EntityPath)).ToList())
        {
            queue.Load(message);
            undeclared.Messages.Remove(sequenceNumber);
        }

        foreach (var (_, seen) in undeclared.MessageIds.Where(entry => Owns(queue, entry.EntityPath)))
        {
            queue.LoadMessageId(seen);
        }

        undeclared.MessageIds.RemoveAll(entry => Owns(queue, entry.EntityPath));
    }

    private static bool Owns(DevQueue queue, string entityPath) => string.Equals(queue.Path, entityPath, StringComparison.OrdinalIgnoreCase);

    // The live state as journal records: what every queue holds, plus what undeclared queues left in the journal.
    private IEnumerable<byte[]> Snapshot()
    {
        var state = new JournalState();
        state.ObserveSequenceNumber(lastSequenceNumber);
        foreach (var queue in queues.Values)
        {
            foreach (var seen in queue.RecentMessageIds)
            {
                state.MessageIds.Add((queue.Path, seen));
            }

            foreach (var message in queue.Messages)
            {
                state.Messages[message.SequenceNumber] = (queue.Path, message);
            }
        }

        foreach (var (sequenceNumber, entry) in undeclared!.Messages)
        {
            state.Messages[sequenceNumber] = entry;
        }

        state.MessageIds.AddRange(undeclared.MessageIds);
        return BrokerJournal.Snapshot(state);
    }

    private async Task DispatchLoopAsync()
    {
        while (true)
        {
            await dispatchSignal.WaitAsync(stopping.Token).ConfigureAwait(false);
            Volatile.Write(ref dispatchRequested, 0);
            DispatchOnce();
        }
    }

    private void DispatchOnce()
    {
        var deliveries = new List<(QueueReceiverEndpoint Receiver, LockedDelivery Message, MessageLock? Lock, StoredMessage Stored)>();
        var drains = new List<QueueReceiverEndpoint>();
        DateTimeOffset? nextDue = null;
        lock (sync)
        {
            var now = Now;
            foreach (var queue in queues.Values)
            {
                queue.Sweep(now);
                while (queue.HasAvailable && queue.NextReceiverWithCredit() is { } receiver)
                {
                    var stored = queue.TakeNext(settled: receiver.ReceiveAndDelete)!;
                    receiver.Credit--;
                    if (receiver.ReceiveAndDelete)
                    {
                        deliveries.Add((receiver, AmqpMessages.Annotate(stored, new LockedDelivery(Guid.NewGuid()), null), null, stored));
                    }
                    else
                    {
                        var messageLock = queue.Lock(stored, now);
                        deliveries.Add((receiver, AmqpMessages.Annotate(stored, new LockedDelivery(messageLock.LockToken), messageLock.LockedUntil), messageLock, stored));
                    }
                }

                foreach (var receiver in queue.Receivers)
                {
                    if (receiver.Link.IsDraining && (receiver.Credit == 0 || !queue.HasAvailable))
                    {
                        receiver.Credit = 0;
                        drains.Add(receiver);
                    }
                }

                nextDue = Earliest(nextDue, queue.NextDue());
            }

            if (journal is { ShouldCompact: true })
            {
                journal.Compact(Snapshot().ToList());
            }
        }

        // A receive-and-delete delivery is gone from the journal before it goes out, so a crash never sends it twice.
        journal?.Flush();

        foreach (var (receiver, message, messageLock, stored) in deliveries)
        {
            try
            {
                receiver.Link.SendMessage(message);
            }
            catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or IOException)
            {
                // The link closed before the transfer: the message never left, so it is not a delivery attempt.
                lock (sync)
                {
                    if (messageLock is not null)
                    {
                        receiver.Queue.Unlock(messageLock);
                    }
                    else
                    {
                        receiver.Queue.Restore(stored);
                    }
                }

                journal?.Flush();
                RequestDispatch();
            }
        }

        foreach (var receiver in drains)
        {
            try
            {
                receiver.Link.CompleteDrain();
            }
            catch (Exception exception) when (exception is AmqpException or ObjectDisposedException or IOException)
            {
                // The link closed while draining; there is nothing left to complete.
            }
        }

        if (nextDue is { } due)
        {
            // The period re-checks while anything is due, so a clock that moved between computing the wait
            // and arming the timer (a test advancing a fake clock) delays a sweep by one period at most.
            var wait = due - timeProvider.GetUtcNow();
            sweepTimer.Change(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, SweepPeriod);
        }
        else
        {
            sweepTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private static DateTimeOffset? Earliest(DateTimeOffset? a, DateTimeOffset? b) =>
        a is null ? b : b is null ? a : a < b ? a : b;
}
