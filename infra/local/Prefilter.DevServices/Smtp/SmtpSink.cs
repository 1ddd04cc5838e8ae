using System.Buffers;
using System.Net;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Prefilter.DevServices.Smtp;

/// <summary>
/// A stand-in downstream mail server on 127.0.0.1 (the <c>SmtpServer</c> package) that keeps every message it
/// accepts in memory, for tests and <c>prefilter up</c>. What it answers can be scripted per stage
/// (<see cref="Script"/>), e.g. <c>421</c> for the first attempts and then <c>250</c>, <c>550</c> always, or the
/// connection closed in the middle of the data.
/// A message counts as received only when the sink answers it with a 2xx reply. Thread-safe.
/// </summary>
public sealed class SmtpSink : IAsyncDisposable
{
    private readonly Lock gate = new();
    private readonly List<SmtpSinkMessage> messages = [];
    private readonly List<Waiter> waiters = [];
    private readonly CancellationTokenSource stopping = new();
    private readonly SmtpServer.SmtpServer server;
    private Task running = Task.CompletedTask;
    private int dataAttempts;

    private SmtpSink(SmtpSinkOptions options, SmtpSinkListenerFactory listenerFactory, SmtpSinkScript script)
    {
        Script = script;
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName(options.ServerName)
            .Endpoint(endpoint =>
            {
                endpoint.Endpoint(new IPEndPoint(IPAddress.Loopback, options.Port));
                if (options.Certificate is { } certificate)
                {
                    endpoint.Certificate(certificate);
                }
            })
            .MaxMessageSize(options.MaxMessageSize, MaxMessageSizeHandling.Strict)
            .Build();
        var services = new ServiceProvider();
        services.Add(listenerFactory);
        services.Add(new Store(this));
        services.Add(new RecipientFilter(this));
        server = new SmtpServer.SmtpServer(serverOptions, services);
    }

    /// <summary>The address the sink listens on (127.0.0.1 and its port).</summary>
    public IPEndPoint EndPoint { get; private set; } = new(IPAddress.Loopback, 0);

    /// <summary>The host to connect to: <c>127.0.0.1</c>.</summary>
    public string Host => EndPoint.Address.ToString();

    /// <summary>The port the sink listens on.</summary>
    public int Port => EndPoint.Port;

    /// <summary>What the sink answers; empty means <c>250</c> to everything.</summary>
    public SmtpSinkScript Script { get; }

    /// <summary>The messages accepted so far, in the order they were accepted (a snapshot).</summary>
    public IReadOnlyList<SmtpSinkMessage> Messages
    {
        get
        {
            lock (gate)
            {
                return [.. messages];
            }
        }
    }

    /// <summary>How many transactions reached the end of <c>DATA</c>, whatever the sink answered.</summary>
    public int DataAttempts => Volatile.Read(ref dataAttempts);

    /// <summary>Raised after a message was accepted, on the session's thread.</summary>
    public event EventHandler<SmtpSinkMessage>? MessageReceived;

    /// <summary>Starts a sink on 127.0.0.1 and returns once it listens.</summary>
    /// <param name="options">Port, server name and size limit; null for the defaults (a free port).</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The listening sink; dispose it to stop it.</returns>
    /// <exception cref="System.Net.Sockets.SocketException">The port cannot be bound.</exception>
    public static async Task<SmtpSink> StartAsync(SmtpSinkOptions? options = null, CancellationToken cancellationToken = default)
    {
        var script = new SmtpSinkScript();
        var listenerFactory = new SmtpSinkListenerFactory(script);
        var bound = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        listenerFactory.EndpointStarted += (_, e) => bound.TrySetResult((IPEndPoint)e.LocalEndPoint);
        var sink = new SmtpSink(options ?? new SmtpSinkOptions(), listenerFactory, script);
        sink.running = sink.server.StartAsync(sink.stopping.Token);
        try
        {
            var first = await Task.WhenAny(bound.Task, sink.running).WaitAsync(cancellationToken).ConfigureAwait(false);
            if (first != bound.Task)
            {
                await sink.running.ConfigureAwait(false);
                throw new InvalidOperationException("The SMTP sink stopped before it listened.");
            }

            sink.EndPoint = await bound.Task.ConfigureAwait(false);
            return sink;
        }
        catch
        {
            await sink.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Waits until at least <paramref name="count"/> messages have been accepted.</summary>
    /// <param name="count">How many messages to wait for.</param>
    /// <param name="cancellationToken">Ends the wait; use a timeout so a test cannot hang.</param>
    /// <returns>The messages accepted when the count was reached.</returns>
    /// <exception cref="OperationCanceledException">The wait was cancelled before enough messages came.</exception>
    public Task<IReadOnlyList<SmtpSinkMessage>> WaitForMessagesAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var waiter = new Waiter(count);
        lock (gate)
        {
            if (messages.Count >= count)
            {
                return Task.FromResult<IReadOnlyList<SmtpSinkMessage>>([.. messages]);
            }

            waiters.Add(waiter);
        }

        return waiter.Completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Stops listening and ends open sessions, held ones included; a held message is not accepted.</summary>
    /// <returns>A task that completes when the server has stopped.</returns>
    public async ValueTask DisposeAsync()
    {
        if (!stopping.IsCancellationRequested)
        {
            await stopping.CancelAsync().ConfigureAwait(false);
        }

        try
        {
            await running.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // Cancelling is how the server is told to stop.
        }

        stopping.Dispose();
    }

    private SmtpSinkMessage Accept(string sender, IReadOnlyList<string> recipients, byte[] data, bool secure)
    {
        SmtpSinkMessage message;
        List<Waiter> satisfied;
        lock (gate)
        {
            message = new SmtpSinkMessage(messages.Count + 1, sender, recipients, data, secure);
            messages.Add(message);
            satisfied = waiters.FindAll(w => messages.Count >= w.Count);
            waiters.RemoveAll(satisfied.Contains);
        }

        IReadOnlyList<SmtpSinkMessage> snapshot = Messages;
        foreach (var waiter in satisfied)
        {
            waiter.Completion.TrySetResult(snapshot);
        }

        MessageReceived?.Invoke(this, message);
        return message;
    }

    // SmtpServer hands over the data without the CRLF that ends its last line (it reads it as part of the
    // terminating CRLF "." CRLF); put it back so the bytes are the message as sent.
    private static byte[] WithFinalLineEnd(ReadOnlySequence<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return [];
        }

        var data = new byte[buffer.Length + 2];
        buffer.CopyTo(data);
        data[^2] = (byte)'\r';
        data[^1] = (byte)'\n';
        return data;
    }

    private static SmtpResponse ToResponse(SmtpReply reply) => new((SmtpReplyCode)reply.Code, reply.Text);

    private static string AddressOf(IMailbox? mailbox) =>
        mailbox is null || string.IsNullOrEmpty(mailbox.User) ? string.Empty : mailbox.AsAddress();

    private sealed record Waiter(int Count)
    {
        public TaskCompletionSource<IReadOnlyList<SmtpSinkMessage>> Completion { get; } =
            new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed class Store(SmtpSink sink) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref sink.dataAttempts);
            var recipients = transaction.To.Select(AddressOf).ToArray();
            var reply = await sink.Script.NextAsync(SmtpStage.Data, recipients, cancellationToken).ConfigureAwait(false);
            if (reply.IsPositive)
            {
                sink.Accept(AddressOf(transaction.From), recipients, WithFinalLineEnd(buffer), context.Pipe.IsSecure);
            }

            return ToResponse(reply);
        }
    }

    private sealed class RecipientFilter(SmtpSink sink) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken) =>
            Task.FromResult(true);

        public async Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            var reply = await sink.Script.NextAsync(SmtpStage.Recipient, [AddressOf(to)], cancellationToken).ConfigureAwait(false);
            return reply.IsPositive ? true : throw new SmtpResponseException(ToResponse(reply));
        }
    }
}
