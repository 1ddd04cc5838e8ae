using System.IO.Pipelines;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using SmtpServer;
using SmtpServer.IO;
using SmtpServer.Net;

namespace Prefilter.DevServices.Smtp;

/// <summary>
/// The sink's listener: SmtpServer's own, except that each session reads and writes through a stream that can hang up
/// in the middle of the message data (<see cref="SmtpSinkScript.CloseDuringData"/>). SmtpServer hands its message store
/// the data only once all of it has arrived, too late to cut it short there.
/// </summary>
internal sealed class SmtpSinkListenerFactory(SmtpSinkScript script) : EndpointListenerFactory
{
    /// <inheritdoc />
    public override IEndpointListener CreateListener(IEndpointDefinition endpointDefinition)
    {
        var listener = new TcpListener(endpointDefinition.Endpoint);
        listener.Start();
        var started = new EndpointEventArgs(endpointDefinition, listener.LocalEndpoint);
        OnEndpointStarted(started);
        return new Listener(listener, script, () => OnEndpointStopped(started));
    }

    private sealed class Listener(TcpListener listener, SmtpSinkScript script, Action stopped) : IEndpointListener
    {
        public async Task<ISecurableDuplexPipe> GetPipeAsync(ISessionContext context, CancellationToken cancellationToken)
        {
            var client = await listener.AcceptTcpClientAsync(cancellationToken).ConfigureAwait(false);
            context.Properties.Add(EndpointListener.LocalEndPointKey, listener.LocalEndpoint);
            context.Properties.Add(EndpointListener.RemoteEndPointKey, client.Client.RemoteEndPoint!);
            return new SessionPipe(client, script);
        }

        public void Dispose()
        {
            listener.Stop();
            stopped();
        }
    }

    private sealed class SessionPipe : ISecurableDuplexPipe
    {
        private readonly TcpClient client;
        private readonly SmtpSinkScript script;
        private Stream stream;

        public SessionPipe(TcpClient client, SmtpSinkScript script)
        {
            this.client = client;
            this.script = script;
            stream = client.GetStream();
            (Input, Output) = Wrap(stream);
        }

        public PipeReader Input { get; private set; }

        public PipeWriter Output { get; private set; }

        public bool IsSecure => this.stream is SslStream;

        public SslProtocols SslProtocol => (this.stream as SslStream)?.SslProtocol ?? SslProtocols.None;

        public async Task UpgradeAsync(X509Certificate certificate, SslProtocols protocols, CancellationToken cancellationToken = default)
        {
            var secure = new SslStream(this.stream, leaveInnerStreamOpen: true);
            try
            {
                await secure.AuthenticateAsServerAsync(
                    new SslServerAuthenticationOptions { ServerCertificate = certificate, EnabledSslProtocols = protocols },
                    cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                await secure.DisposeAsync().ConfigureAwait(false);
                throw;
            }

            this.stream = secure;
            (Input, Output) = Wrap(secure);
        }

        public void Dispose() => this.client.Dispose();

        // Above TLS, so the stream sees the replies and the data in clear.
        private (PipeReader Input, PipeWriter Output) Wrap(Stream inner)
        {
            var cutting = new DataCuttingStream(inner, this.script, this.client);
            return (PipeReader.Create(cutting), PipeWriter.Create(cutting));
        }
    }

    // Passes everything through until the sink answers 354 to a transaction the script cuts short; then hands on half of
    // the next read (never the whole message, so never its closing dot, so the store never sees it) and closes the socket.
    private sealed class DataCuttingStream(Stream inner, SmtpSinkScript script, TcpClient client) : Stream
    {
        private bool cutNextRead;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var read = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (!this.cutNextRead || read == 0)
            {
                return read;
            }

            client.Client.Close();
            return read / 2;
        }

        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (StartsData(buffer.Span) && script.TakeCloseDuringData())
            {
                this.cutNextRead = true;
            }
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override void Write(byte[] buffer, int offset, int count) => WriteAsync(buffer, offset, count).GetAwaiter().GetResult();

        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);

        public override void Flush() => inner.Flush();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }

        // The 354 reply, alone or after replies written with it (a pipelined MAIL, RCPT, DATA).
        private static bool StartsData(ReadOnlySpan<byte> written) => written.StartsWith("354 "u8) || written.IndexOf("\r\n354 "u8) >= 0;
    }
}
