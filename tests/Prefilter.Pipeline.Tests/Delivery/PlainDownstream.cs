using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Prefilter.Pipeline.Tests.Delivery;

/// <summary>
/// A downstream on loopback that speaks bare RFC 5321 and offers no extension at all (no 8BITMIME, no SMTPUTF8),
/// as an old MTA does; it takes one mail per connection and keeps the commands and the data it received.
/// </summary>
internal sealed class PlainDownstream : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Task serving;

    public PlainDownstream()
    {
        listener.Start();
        serving = ServeAsync();
    }

    public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

    public List<string> Commands { get; } = [];

    public byte[]? Data { get; private set; }

    /// <summary>When set, called on QUIT, which then gets no reply: a downstream slow to say goodbye.</summary>
    public Action? OnQuit { get; init; }

    public async ValueTask DisposeAsync()
    {
        listener.Stop();
        try
        {
            await serving;
        }
        catch (Exception exception) when (exception is SocketException or ObjectDisposedException or IOException)
        {
            // Stopped while waiting for a connection.
        }
    }

    private async Task ServeAsync()
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.Latin1);
        async Task Reply(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"));
        await Reply("220 plain.localhost");
        while (await reader.ReadLineAsync() is { } line)
        {
            Commands.Add(line);
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await Reply("250 plain.localhost");
                    break;
                case "DATA":
                    await Reply("354 go on");
                    var data = new StringBuilder();
                    while (await reader.ReadLineAsync() is { } dataLine && dataLine != ".")
                    {
                        data.Append(dataLine.StartsWith('.') ? dataLine[1..] : dataLine).Append("\r\n");
                    }

                    Data = Encoding.Latin1.GetBytes(data.ToString());
                    await Reply("250 2.0.0 taken");
                    break;
                case "QUIT" when OnQuit is not null:
                    OnQuit();
                    break;
                case "QUIT":
                    await Reply("221 bye");
                    return;
                default:
                    await Reply("250 ok");
                    break;
            }
        }
    }
}
