namespace Prefilter.DevServices.ServiceBus;

/// <summary>Options of the <see cref="ServiceBusDevBroker"/>; bindable from configuration.</summary>
public sealed class ServiceBusDevBrokerOptions
{
    /// <summary>Port on 127.0.0.1 to listen on; 0 picks a free port.</summary>
    public int Port { get; set; }

    /// <summary>The queues served; each also gets its dead-letter queue (<c>{name}/$DeadLetterQueue</c>).</summary>
    public IList<DevQueueOptions> Queues { get; set; } = new List<DevQueueOptions>();

    /// <summary>
    /// Largest encoded message the broker accepts, announced to senders on attach (the SDK refuses to send
    /// without it). Default 256 KB, the Service Bus Standard tier limit, so code that fits here fits there.
    /// </summary>
    public long MaxMessageSize { get; set; } = 256 * 1024;

    /// <summary>
    /// Folder for the broker's journal (<c>broker.journal</c>), kept across runs: messages survive a stop or a crash of
    /// the process, and a message that was locked comes back available. Null (the default) keeps everything in memory.
    /// </summary>
    public string? Location { get; set; }

    /// <summary>Checks the values and throws when one cannot be served.</summary>
    /// <exception cref="ArgumentException">A value is out of range or two queues share a name.</exception>
    public void Validate()
    {
        if (Port is < 0 or > 65535)
        {
            throw new ArgumentException($"Port must be 0..65535, was {Port}.", nameof(Port));
        }

        if (MaxMessageSize < 1024)
        {
            throw new ArgumentException($"MaxMessageSize must be at least 1024 bytes, was {MaxMessageSize}.", nameof(MaxMessageSize));
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var queue in Queues)
        {
            queue.Validate();
            if (!names.Add(queue.Name))
            {
                throw new ArgumentException($"Queue '{queue.Name}' is declared twice.", nameof(Queues));
            }
        }
    }
}
