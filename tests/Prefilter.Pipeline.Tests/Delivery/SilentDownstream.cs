using System.Net;
using System.Net.Sockets;

namespace Prefilter.Pipeline.Tests.Delivery;

/// <summary>
/// A downstream on loopback that accepts connections and never says a word, like a host whose MTA hangs: every relay
/// to it waits for the greeting until the relay timeout. Counts the connections.
/// </summary>
public sealed class SilentDownstream : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly List<TcpClient> connections = [];
    private readonly Task accepting;

    public SilentDownstream()
    {
        listener.Start();
        accepting = AcceptAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public int Connections
    {
        get
        {
            lock (connections)
            {
                return connections.Count;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        await accepting.ConfigureAwait(false);
        lock (connections)
        {
            connections.ForEach(connection => connection.Dispose());
        }
    }

    private async Task AcceptAsync()
    {
        try
        {
            while (true)
            {
                var connection = await listener.AcceptTcpClientAsync().ConfigureAwait(false);
                lock (connections)
                {
                    connections.Add(connection);
                }
            }
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            // Stopped.
        }
    }
}
