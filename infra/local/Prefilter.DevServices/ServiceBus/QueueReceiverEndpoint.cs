using Amqp;
using Amqp.Framing;
using Amqp.Listener;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// The broker side of an SDK receiver link: tracks the link credit and turns the receiver's dispositions into
/// settlements. Credit is guarded by the <see cref="DevBrokerCore"/> lock.
/// </summary>
internal sealed class QueueReceiverEndpoint : LinkEndpoint
{
    private readonly DevBrokerCore core;

    public QueueReceiverEndpoint(DevBrokerCore core, DevQueue queue, ListenerLink link)
    {
        this.core = core;
        Queue = queue;
        Link = link;
        ReceiveAndDelete = link.SettleOnSend;
    }

    public DevQueue Queue { get; }

    public ListenerLink Link { get; }

    /// <summary>The receiver asked for pre-settled transfers (receive-and-delete): no lock is taken.</summary>
    public bool ReceiveAndDelete { get; }

    public int Credit { get; set; }

    public override void OnFlow(FlowContext flowContext) => core.OnFlow(this, flowContext.Messages);

    public override void OnDisposition(DispositionContext dispositionContext)
    {
        var outcome = dispositionContext.Message is LockedDelivery delivery && !ReceiveAndDelete
            ? core.Settle(Queue, delivery.LockToken, dispositionContext.DeliveryState)
            : new Accepted();
        if (!dispositionContext.Settled)
        {
            Link.DisposeMessage(dispositionContext.Message, outcome, settled: true);
        }
    }

    public override void OnLinkClosed(ListenerLink link, Error error) => core.RemoveReceiver(this);
}
