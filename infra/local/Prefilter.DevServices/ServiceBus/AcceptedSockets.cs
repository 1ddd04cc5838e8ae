using System.Collections.Concurrent;
using System.Net.Sockets;
using Amqp.Handler;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// Keeps the sockets the listener accepted, so <see cref="ServiceBusDevBroker.KillAsync"/> can reset them as a crashed
/// process's would be, with no AMQP close; passes every other event to <paramref name="inner"/>.
/// </summary>
internal sealed class AcceptedSockets(IHandler inner) : IHandler
{
    private readonly ConcurrentDictionary<Socket, byte> sockets = new();

    public bool CanHandle(EventId id) => id == EventId.SocketAccept || inner.CanHandle(id);

    public void Handle(Event protocolEvent)
    {
        if (protocolEvent.Id != EventId.SocketAccept)
        {
            inner.Handle(protocolEvent);
            return;
        }

        if (protocolEvent.Context is Socket socket)
        {
            foreach (var gone in this.sockets.Keys.Where(known => !known.Connected))
            {
                this.sockets.TryRemove(gone, out _);
            }

            this.sockets.TryAdd(socket, 0);
        }
    }

    /// <summary>Closes every accepted socket with a reset (linger 0), without a word of AMQP.</summary>
    public void ResetAll()
    {
        foreach (var socket in this.sockets.Keys)
        {
            try
            {
                socket.LingerState = new LingerOption(true, 0);
                socket.Close();
            }
            catch (ObjectDisposedException)
            {
                // Closed by its connection meanwhile.
            }

            this.sockets.TryRemove(socket, out _);
        }
    }
}
