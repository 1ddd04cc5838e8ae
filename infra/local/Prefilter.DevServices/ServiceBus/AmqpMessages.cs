using System.Globalization;
using Amqp;
using Amqp.Framing;
using Amqp.Types;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>Names of the Service Bus AMQP extensions and the message edits the broker makes.</summary>
internal static class AmqpMessages
{
    /// <summary>Message format of an SDK batch: one data section per encoded message.</summary>
    public const uint BatchFormat = 0x80013700;

    public static readonly Symbol SequenceNumber = new("x-opt-sequence-number");
    public static readonly Symbol EnqueuedTime = new("x-opt-enqueued-time");
    public static readonly Symbol LockedUntil = new("x-opt-locked-until");
    public static readonly Symbol ScheduledEnqueueTime = new("x-opt-scheduled-enqueue-time");
    public static readonly Symbol DeadLetterSource = new("x-opt-deadletter-source");
    public static readonly Symbol DeadLetterCondition = new("com.microsoft:dead-letter");
    public static readonly Symbol MessageLockLost = new("com.microsoft:message-lock-lost");
    public static readonly Symbol MessageNotFound = new("com.microsoft:message-not-found");

    public const string DeadLetterReason = "DeadLetterReason";
    public const string DeadLetterErrorDescription = "DeadLetterErrorDescription";

    public static Message Decode(byte[] encoded) =>
        Message.Decode(new ByteBuffer(encoded, 0, encoded.Length, encoded.Length));

    public static byte[] Encode(Message message)
    {
        var buffer = message.Encode();
        return buffer.Buffer.AsSpan(buffer.Offset, buffer.Length).ToArray();
    }

    /// <summary>The encoded messages a transfer carries: the inner messages of a batch, else the message itself.</summary>
    public static IReadOnlyList<byte[]> Unbatch(Message message)
    {
        if (message.Format != BatchFormat)
        {
            return [Encode(message)];
        }

        return message.BodySection switch
        {
            DataList list => Enumerable.Range(0, list.Count).Select(i => list[i].Binary).ToArray(),
            Data data => [data.Binary],
            _ => throw new AmqpException(ErrorCode.DecodeError, "A batch message must carry data sections."),
        };
    }

    public static string? MessageIdOf(Message message) => message.Properties?.GetMessageId() switch
    {
        null => null,
        byte[] bytes => Convert.ToHexString(bytes),
        var id => Convert.ToString(id, CultureInfo.InvariantCulture),
    };

    public static TimeSpan? TimeToLiveOf(Message message) =>
        message.Header is { } header && header.HasField(2) ? TimeSpan.FromMilliseconds(header.Ttl) : null;

    public static DateTimeOffset? ScheduledEnqueueTimeOf(Message message) =>
        message.MessageAnnotations?[ScheduledEnqueueTime] is DateTime time
            ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc))
            : null;

    /// <summary>
    /// Copies the entries of <paramref name="properties"/> into the message's application properties and, when
    /// given, records the queue a dead-lettered message came from.
    /// </summary>
    public static byte[] Edit(byte[] encoded, IEnumerable<KeyValuePair<string, object?>> properties, string? deadLetterSource = null)
    {
        var message = Decode(encoded);
        message.ApplicationProperties ??= new ApplicationProperties();
        foreach (var (key, value) in properties)
        {
            message.ApplicationProperties[key] = value;
        }

        if (deadLetterSource is not null)
        {
            message.MessageAnnotations ??= new MessageAnnotations();
            message.MessageAnnotations[DeadLetterSource] = deadLetterSource;
        }

        return Encode(message);
    }

    /// <summary>Reads a disposition's fields map (symbol keys) as application property edits.</summary>
    public static IEnumerable<KeyValuePair<string, object?>> PropertyEdits(Fields? fields) =>
        fields is null
            ? []
            : fields.Select(pair => new KeyValuePair<string, object?>(pair.Key is Symbol symbol ? (string)symbol : $"{pair.Key}", pair.Value));

    /// <summary>Builds the message a receiver gets: the stored message with the broker's annotations.</summary>
    public static T Annotate<T>(StoredMessage stored, T target, DateTimeOffset? lockedUntil)
        where T : Message
    {
        var source = Decode(stored.Encoded);
        target.Header = source.Header ?? new Header();
        target.DeliveryAnnotations = source.DeliveryAnnotations;
        target.MessageAnnotations = source.MessageAnnotations ?? new MessageAnnotations();
        target.Properties = source.Properties;
        target.ApplicationProperties = source.ApplicationProperties;
        target.BodySection = source.BodySection;
        target.Footer = source.Footer;

        target.Header.DeliveryCount = (uint)stored.DeliveryCount;
        target.MessageAnnotations[SequenceNumber] = stored.SequenceNumber;
        target.MessageAnnotations[EnqueuedTime] = stored.EnqueuedTime.UtcDateTime;
        if (lockedUntil is { } until)
        {
            target.MessageAnnotations[LockedUntil] = until.UtcDateTime;
        }

        return target;
    }
}

/// <summary>A message on its way to a peek-lock receiver; <see cref="LockTokenTagHandler"/> turns its lock token into the delivery tag.</summary>
internal sealed class LockedDelivery : Message
{
    public LockedDelivery(Guid lockToken) => LockToken = lockToken;

    public Guid LockToken { get; }
}
