using Amqp;
using Amqp.Framing;
using Amqp.Listener;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// Attaches SDK links to queues: sender links (target <c>/{queue}</c>) and peek-lock or receive-and-delete
/// receiver links (source <c>/{queue}</c> or <c>/{queue}/$DeadLetterQueue</c>). Unknown entities are refused
/// with <c>amqp:not-found</c>, which the SDK reports as MessagingEntityNotFound.
/// </summary>
internal sealed class QueueLinkProcessor : ILinkProcessor
{
    private const int SenderCredit = 1000;

    private readonly DevBrokerCore core;
    private readonly long maxMessageSize;

    public QueueLinkProcessor(DevBrokerCore core, long maxMessageSize)
    {
        this.core = core;
        this.maxMessageSize = maxMessageSize;
    }

    public void Process(AttachContext attachContext)
    {
        var attach = attachContext.Attach;
        var clientReceives = attach.Role;
        var address = clientReceives ? (attach.Source as Source)?.Address : (attach.Target as Target)?.Address;
        var path = EntityPath(address);
        if (!core.TryGetQueue(path, out var queue))
        {
            attachContext.Complete(new Error(ErrorCode.NotFound)
            {
                Description = $"The messaging entity '{path}' is not declared in the dev broker's options.",
            });
            return;
        }

        if (clientReceives)
        {
            if ((attach.Source as Source)?.FilterSet is { Count: > 0 })
            {
                attachContext.Complete(new Error(ErrorCode.NotImplemented)
                {
                    Description = "The dev broker serves no sessions or filters.",
                });
                return;
            }

            var receiver = new QueueReceiverEndpoint(core, queue, attachContext.Link);
            core.AddReceiver(receiver);
            attachContext.Complete(receiver, 0);
            return;
        }

        if (queue.IsDeadLetterQueue)
        {
            attachContext.Complete(new Error(ErrorCode.NotAllowed)
            {
                Description = $"'{path}' is a dead-letter queue; messages reach it only by dead-lettering.",
            });
            return;
        }

        // Without max-message-size on the attach reply the SDK fails every send as MessageSizeExceeded.
        attach.MaxMessageSize = (ulong)maxMessageSize;
        attachContext.Complete(new QueueSenderEndpoint(core, queue, maxMessageSize), SenderCredit);
    }

    /// <summary>Turns <c>/queue</c>, <c>queue</c> or <c>amqp://host/queue</c> into the entity path <c>queue</c>.</summary>
    public static string EntityPath(string? address)
    {
        if (string.IsNullOrEmpty(address))
        {
            return "";
        }

        var path = address.Contains("://", StringComparison.Ordinal) ? new Uri(address).AbsolutePath : address;
        return Uri.UnescapeDataString(path).Trim('/');
    }
}
