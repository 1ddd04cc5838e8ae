using Amqp;
using Amqp.Framing;
using Amqp.Listener;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>The broker side of an SDK sender link: stores each transfer (or each message of a batch) and accepts it.</summary>
internal sealed class QueueSenderEndpoint : LinkEndpoint
{
    private readonly DevBrokerCore core;
    private readonly DevQueue queue;
    private readonly long maxMessageSize;

    public QueueSenderEndpoint(DevBrokerCore core, DevQueue queue, long maxMessageSize)
    {
        this.core = core;
        this.queue = queue;
        this.maxMessageSize = maxMessageSize;
    }

    public override void OnMessage(MessageContext messageContext)
    {
        try
        {
            var messages = AmqpMessages.Unbatch(messageContext.Message);
            if (messages.FirstOrDefault(m => m.Length > maxMessageSize) is { } tooLarge)
            {
                throw new AmqpException(
                    ErrorCode.MessageSizeExceeded,
                    $"The message is {tooLarge.Length} bytes; queue '{queue.Path}' accepts at most {maxMessageSize}.");
            }

            core.Accept(queue, messages);
        }
        catch (AmqpException exception)
        {
            // A transfer that cannot be stored is rejected back to the sender, which raises it to the caller.
            messageContext.Complete(exception.Error);
            return;
        }

        messageContext.Complete();
    }

    public override void OnFlow(FlowContext flowContext)
    {
        // The broker grants credit on attach and the link restores it per settled transfer.
    }

    public override void OnDisposition(DispositionContext dispositionContext)
    {
        // Transfers are settled by the broker when they arrive; a sender's disposition carries nothing new.
    }
}
