using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// The client side of one SMTP connection to a downstream: commands out, replies in, and the data sent byte for
/// byte (dot-stuffed, nothing re-encoded). <see cref="SmtpRelay"/> decides what to send; this type only speaks
/// the protocol. Every read and write is bounded by the relay timeout.
/// </summary>
internal sealed class DownstreamConnection : IAsyncDisposable
{
    private const int MaxReplyLineLength = 64 * 1024;

    // A delivered mail must not hold its delivery worker for the whole relay timeout waiting for a goodbye.
    private static readonly TimeSpan QuitWait = TimeSpan.FromSeconds(5);

    private readonly TcpClient client = new();
    private readonly TimeSpan timeout;
    private readonly byte[] buffer = new byte[8192];
    private Stream stream = Stream.Null;
    private int start;
    private int end;

    private DownstreamConnection(TimeSpan timeout) => this.timeout = timeout;

    /// <summary>The extensions the downstream named in its <c>EHLO</c> reply, upper case, with their parameters.</summary>
    public Dictionary<string, string> Extensions { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Connects and reads the greeting.</summary>
    /// <exception cref="DownstreamReplyException">The greeting is not 220.</exception>
    public static async Task<DownstreamConnection> ConnectAsync(string host, int port, bool tlsOnConnect, RemoteCertificateValidationCallback validate, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var connection = new DownstreamConnection(timeout);
        try
        {
            using (var limit = connection.Limit(cancellationToken))
            {
                await connection.client.ConnectAsync(host, port, limit.Token).ConfigureAwait(false);
            }

            connection.stream = connection.client.GetStream();
            if (tlsOnConnect)
            {
                await connection.SecureAsync(host, validate, cancellationToken).ConfigureAwait(false);
            }

            var greeting = await connection.ReadReplyAsync(cancellationToken).ConfigureAwait(false);
            greeting.EnsureCode(220, "greeting");
            return connection;
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Sends <c>EHLO</c> (then <c>HELO</c> if the downstream does not know it) and records the extensions.</summary>
    public async Task HelloAsync(string clientName, CancellationToken cancellationToken)
    {
        Extensions.Clear();
        var reply = await CommandAsync($"EHLO {clientName}", cancellationToken).ConfigureAwait(false);
        if (reply.Code / 100 == 5)
        {
            reply = await CommandAsync($"HELO {clientName}", cancellationToken).ConfigureAwait(false);
            reply.EnsureCode(250, "HELO");
            return;
        }

        reply.EnsureCode(250, "EHLO");
        foreach (var line in reply.Lines.Skip(1))
        {
            var space = line.IndexOf(' ');
            Extensions[space < 0 ? line : line[..space]] = space < 0 ? string.Empty : line[(space + 1)..];
        }
    }

    /// <summary>Runs <c>STARTTLS</c> and the handshake; the caller says <c>EHLO</c> again.</summary>
    public async Task StartTlsAsync(string host, RemoteCertificateValidationCallback validate, CancellationToken cancellationToken)
    {
        var reply = await CommandAsync("STARTTLS", cancellationToken).ConfigureAwait(false);
        reply.EnsureCode(220, "STARTTLS");

        // Nothing the server sent before the handshake may be read as if it came over TLS.
        start = end = 0;
        await SecureAsync(host, validate, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends one command line and reads its reply.</summary>
    public async Task<DownstreamReply> CommandAsync(string command, CancellationToken cancellationToken)
    {
        await WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"), cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends the data after a <c>354</c>: dot-stuffed, then the terminating <c>CRLF . CRLF</c>; reads the reply.</summary>
    /// <param name="content">Lines ending in CRLF, the last one included.</param>
    /// <param name="cancellationToken">Aborts the send.</param>
    public async Task<DownstreamReply> SendDataAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
    {
        using var stuffed = new MemoryStream(content.Length + 64);
        var atLineStart = true;
        var rest = content;
        while (rest.Length > 0)
        {
            if (atLineStart && rest.Span[0] == '.')
            {
                stuffed.WriteByte((byte)'.');
            }

            var crlf = rest.Span.IndexOf("\r\n"u8);
            var take = crlf < 0 ? rest.Length : crlf + 2;
            stuffed.Write(rest.Span[..take]);
            atLineStart = crlf >= 0;
            rest = rest[take..];
        }

        stuffed.Write(".\r\n"u8);
        await WriteAsync(stuffed.GetBuffer().AsMemory(0, (int)stuffed.Length), cancellationToken).ConfigureAwait(false);
        return await ReadReplyAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Says <c>QUIT</c> and waits at most <see cref="QuitWait"/> for the answer: the mail is delivered by then.</summary>
    /// <exception cref="TimeoutException">No answer in time.</exception>
    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(QuitWait < timeout ? QuitWait : timeout);
        try
        {
            await CommandAsync("QUIT", limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The downstream did not answer QUIT within {QuitWait}.");
        }
    }

    /// <inheritdoc/>
    public async ValueTask DisposeAsync()
    {
        await stream.DisposeAsync().ConfigureAwait(false);
        client.Dispose();
    }

    private async Task SecureAsync(string host, RemoteCertificateValidationCallback validate, CancellationToken cancellationToken)
    {
        var tls = new SslStream(stream, leaveInnerStreamOpen: false, validate);
        using var limit = Limit(cancellationToken);
        await tls.AuthenticateAsClientAsync(
            new SslClientAuthenticationOptions { TargetHost = host, CertificateRevocationCheckMode = X509RevocationMode.NoCheck, EnabledSslProtocols = SslProtocols.None },
            limit.Token).ConfigureAwait(false);
        stream = tls;
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        using var limit = Limit(cancellationToken);
        try
        {
            await stream.WriteAsync(bytes, limit.Token).ConfigureAwait(false);
            await stream.FlushAsync(limit.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The downstream did not take data within {timeout}.");
        }
    }

    // A reply is one or more lines "ddd-text" ending with "ddd text" (RFC 5321 §4.2.1).
    private async Task<DownstreamReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out var code) || code is < 200 or > 599 || (line.Length > 3 && line[3] is not (' ' or '-')))
            {
                throw new SmtpProtocolViolationException($"not an SMTP reply: '{(line.Length > 80 ? line[..80] : line)}'");
            }

            lines.Add(line.Length > 4 ? line[4..] : string.Empty);
            if (line.Length == 3 || line[3] == ' ')
            {
                return new DownstreamReply(code, lines);
            }
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        using var line = new MemoryStream();
        while (true)
        {
            var lf = buffer.AsSpan(start, end - start).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                line.Write(buffer, start, lf);
                start += lf + 1;
                var text = Encoding.UTF8.GetString(line.GetBuffer(), 0, (int)line.Length);
                return text.TrimEnd('\r');
            }

            line.Write(buffer, start, end - start);
            start = end = 0;
            if (line.Length > MaxReplyLineLength)
            {
                throw new SmtpProtocolViolationException($"a reply line longer than {MaxReplyLineLength} bytes");
            }

            using var limit = Limit(cancellationToken);
            int read;
            try
            {
                read = await stream.ReadAsync(buffer, limit.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"The downstream did not answer within {timeout}.");
            }

            if (read == 0)
            {
                throw new SmtpProtocolViolationException("the downstream closed the connection");
            }

            end = read;
        }
    }

    private CancellationTokenSource Limit(CancellationToken cancellationToken)
    {
        var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        return limit;
    }
}

/// <summary>A downstream's reply: its code and the text of each line.</summary>
internal sealed record DownstreamReply(int Code, IReadOnlyList<string> Lines)
{
    /// <summary>The text of the reply, its lines joined.</summary>
    public string Text => string.Join(" ", Lines);

    /// <summary>Throws <see cref="DownstreamReplyException"/> unless the code is <paramref name="expected"/>.</summary>
    public void EnsureCode(int expected, string step)
    {
        if (Code != expected)
        {
            throw new DownstreamReplyException(step, this);
        }
    }
}

/// <summary>A downstream answered a command with a code other than the one that lets the relay go on.</summary>
internal sealed class DownstreamReplyException(string step, DownstreamReply reply) : Exception($"{step}: {reply.Code} {reply.Text}")
{
    public string Step { get; } = step;

    public DownstreamReply Reply { get; } = reply;
}

/// <summary>A downstream broke the protocol (no reply, a malformed one, or it hung up): worth another try later.</summary>
internal sealed class SmtpProtocolViolationException(string message) : IOException(message);
