using System.Text;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// The records of the <see cref="BrokerJournal"/> and how they change a <see cref="JournalState"/>. Sequence numbers
/// are unique across the broker, so a record names a message by its sequence number alone and a <c>Put</c> under
/// another entity path moves it (to the dead-letter queue).
/// </summary>
internal static class JournalRecords
{
    private enum Kind : byte
    {
        /// <summary>A message as it is now: stored, or changed (delivery count, properties, entity).</summary>
        Put = 1,

        /// <summary>A message that left the broker: completed, received and deleted, cancelled, expired.</summary>
        Delete = 2,

        /// <summary>A MessageId accepted by a queue with duplicate detection, and when.</summary>
        MessageIdSeen = 3,

        /// <summary>The highest sequence number handed out, so numbers never repeat after a compaction.</summary>
        LastSequenceNumber = 4,
    }

    public static byte[] Put(string entityPath, StoredMessage message) => Write(Kind.Put, writer =>
    {
        writer.Write(entityPath);
        writer.Write(message.SequenceNumber);
        writer.Write(message.EnqueuedTime.UtcTicks);
        WriteOptional(writer, message.ExpiresAt);
        WriteOptional(writer, message.ScheduledFor);
        writer.Write(message.DeliveryCount);
        writer.Write(message.Encoded.Length);
        writer.Write(message.Encoded);
    });

    public static byte[] Delete(long sequenceNumber) => Write(Kind.Delete, writer => writer.Write(sequenceNumber));

    public static byte[] MessageIdSeen(string entityPath, RecentMessageId seen) => Write(Kind.MessageIdSeen, writer =>
    {
        writer.Write(entityPath);
        writer.Write(seen.MessageId);
        writer.Write(seen.FirstSeen.UtcTicks);
        writer.Write(seen.SequenceNumber);
    });

    public static byte[] LastSequenceNumber(long sequenceNumber) => Write(Kind.LastSequenceNumber, writer => writer.Write(sequenceNumber));

    /// <summary>Applies one record's payload to <paramref name="state"/>.</summary>
    /// <exception cref="InvalidDataException">The payload is not a record this broker writes.</exception>
    public static void Apply(ReadOnlySpan<byte> payload, JournalState state)
    {
        using var reader = new BinaryReader(new MemoryStream(payload.ToArray()), Encoding.UTF8);
        try
        {
            switch ((Kind)reader.ReadByte())
            {
                case Kind.Put:
                    var entityPath = reader.ReadString();
                    var sequenceNumber = reader.ReadInt64();
                    var enqueuedTime = new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero);
                    var expiresAt = ReadOptional(reader);
                    var scheduledFor = ReadOptional(reader);
                    var deliveryCount = reader.ReadInt32();
                    var encoded = reader.ReadBytes(reader.ReadInt32());
                    state.Messages[sequenceNumber] = (entityPath, new StoredMessage(sequenceNumber, encoded, expiresAt)
                    {
                        EnqueuedTime = enqueuedTime,
                        ScheduledFor = scheduledFor,
                        DeliveryCount = deliveryCount,
                    });
                    state.ObserveSequenceNumber(sequenceNumber);
                    break;
                case Kind.Delete:
                    state.Messages.Remove(reader.ReadInt64());
                    break;
                case Kind.MessageIdSeen:
                    var path = reader.ReadString();
                    var seen = new RecentMessageId(reader.ReadString(), new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero), reader.ReadInt64());
                    state.MessageIds.Add((path, seen));
                    break;
                case Kind.LastSequenceNumber:
                    state.ObserveSequenceNumber(reader.ReadInt64());
                    break;
                case var unknown:
                    throw new InvalidDataException($"unknown record kind {(byte)unknown}");
            }
        }
        catch (EndOfStreamException exception)
        {
            throw new InvalidDataException("the record ends early", exception);
        }
        catch (ArgumentOutOfRangeException exception)
        {
            throw new InvalidDataException("the record holds a negative length", exception);
        }
    }

    private static byte[] Write(Kind kind, Action<BinaryWriter> body)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)kind);
            body(writer);
        }

        return buffer.ToArray();
    }

    private static void WriteOptional(BinaryWriter writer, DateTimeOffset? value)
    {
        writer.Write(value.HasValue);
        if (value is { } time)
        {
            writer.Write(time.UtcTicks);
        }
    }

    private static DateTimeOffset? ReadOptional(BinaryReader reader) =>
        reader.ReadBoolean() ? new DateTimeOffset(reader.ReadInt64(), TimeSpan.Zero) : null;
}

/// <summary>A MessageId a queue accepted, for duplicate detection.</summary>
/// <param name="MessageId">The MessageId.</param>
/// <param name="FirstSeen">When the first message with it was accepted; the window runs from here.</param>
/// <param name="SequenceNumber">That message's sequence number, returned for a dropped duplicate.</param>
internal readonly record struct RecentMessageId(string MessageId, DateTimeOffset FirstSeen, long SequenceNumber);

/// <summary>What a replayed journal holds: the stored messages by sequence number, the MessageIds seen, the last sequence number.</summary>
internal sealed class JournalState
{
    public Dictionary<long, (string EntityPath, StoredMessage Message)> Messages { get; } = new();

    /// <summary>In the order they were seen; a queue keeps those still inside its duplicate-detection window.</summary>
    public List<(string EntityPath, RecentMessageId Seen)> MessageIds { get; } = new();

    public long LastSequenceNumber { get; private set; }

    public void ObserveSequenceNumber(long sequenceNumber) => LastSequenceNumber = Math.Max(LastSequenceNumber, sequenceNumber);
}
