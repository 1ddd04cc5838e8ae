using Amqp.Handler;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// Gives each delivery to a receiver its lock token as the 16-byte delivery tag; the SDK reads the lock token
/// from the tag and treats any other tag as a peeked (unsettleable) message.
/// </summary>
internal sealed class LockTokenTagHandler : IHandler
{
    public bool CanHandle(EventId id) => id == EventId.SendDelivery;

    public void Handle(Event protocolEvent)
    {
        if (protocolEvent.Context is IDelivery { Message: LockedDelivery message } delivery)
        {
            delivery.Tag = message.LockToken.ToByteArray();
        }
    }
}
