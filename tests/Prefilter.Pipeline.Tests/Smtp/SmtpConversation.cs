using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace Prefilter.Pipeline.Tests.Smtp;

/// <summary>A raw SMTP client session on a socket, for what real clients refuse to send.</summary>
internal sealed class SmtpConversation : IAsyncDisposable
{
    private readonly TcpClient client = new();
    private Stream stream = Stream.Null;
    private StreamReader reader = StreamReader.Null;

    private SmtpConversation()
    {
    }

    public string Greeting { get; private set; } = "";

    public static async Task<SmtpConversation> OpenAsync(IPEndPoint endPoint)
    {
        var conversation = new SmtpConversation();
        await conversation.client.ConnectAsync(endPoint);
        conversation.Attach(conversation.client.GetStream());
        conversation.Greeting = await conversation.ReadReplyAsync();
        return conversation;
    }

    /// <summary>Sends one line and returns the whole reply (all its lines, joined by LF).</summary>
    public async Task<string> SendAsync(string line)
    {
        await WriteAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    public async Task WriteAsync(string text) => await WriteAsync(Encoding.UTF8.GetBytes(text));

    public async Task WriteAsync(byte[] bytes)
    {
        await stream.WriteAsync(bytes);
        await stream.FlushAsync();
    }

    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) ?? throw new EndOfStreamException("closed: " + string.Join("\n", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-')
            {
                return string.Join("\n", lines);
            }
        }
    }

    /// <summary>True when the server closed the connection (reads end).</summary>
    public async Task<bool> IsClosedAsync() => await reader.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(30)) is null;

    public async Task StartTlsAsync()
    {
        var reply = await SendAsync("STARTTLS");
        Assert.StartsWith("220 2.0.0", reply);
        await UpgradeAsync();
    }

    /// <summary>Runs the TLS handshake after the server said 220 to STARTTLS.</summary>
    public async Task UpgradeAsync()
    {
        var tls = new SslStream(stream, false, (_, _, _, _) => true);
        await tls.AuthenticateAsClientAsync("prefilter.localhost");
        Attach(tls);
    }

    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync();
        client.Dispose();
    }

    private void Attach(Stream value)
    {
        stream = value;
        reader = new StreamReader(value, new UTF8Encoding(false), false, 1, leaveOpen: true);
    }
}
