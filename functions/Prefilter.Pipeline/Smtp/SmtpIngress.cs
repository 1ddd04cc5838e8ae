using System.Buffers;
using System.Net;
using System.Text;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using MimeKit.Utils;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;
using SmtpServer;
using SmtpServer.ComponentModel;
using SmtpServer.Mail;
using SmtpServer.Net;
using SmtpServer.Protocol;
using SmtpServer.Storage;

namespace Prefilter.Pipeline.Smtp;

/// <summary>
/// The pre-filter's own SMTP listener (the <c>SmtpServer</c> package). It accepts recipients only in domains the
/// domain policy serves — anything else gets <c>550 5.7.1 relaying denied</c> at <c>RCPT TO</c>, so it is never an
/// open relay — and answers <c>250</c> only after the mail and its envelope are stored in <c>incoming/</c>. When
/// the store fails it answers <c>451 4.3.0</c>, so the sender keeps the mail and retries: nothing is lost.
/// Like any MTA (RFC 5321 §4.4) it adds a <c>Received:</c> trace line on top of the mail it stores; otherwise
/// the stored bytes are the data as sent.
/// </summary>
public sealed class SmtpIngress : IHostedService, IAsyncDisposable
{
    /// <summary>The ingress name recorded on stored mail.</summary>
    public const string IngressName = "smtp";

    private const string RecipientCountKey = "prefilter.recipients";

    private readonly MailStore mails;
    private readonly DomainPolicyProvider policies;
    private readonly SmtpIngressOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<SmtpIngress> logger;
    private CancellationTokenSource? stopping;
    private Task running = Task.CompletedTask;

    /// <summary>Creates the listener; it listens from <see cref="StartAsync"/>.</summary>
    /// <param name="mails">Where accepted mail is stored.</param>
    /// <param name="policies">The current domain policy.</param>
    /// <param name="options">Address, port, limits.</param>
    /// <param name="timeProvider">Clock for the <c>Received:</c> line.</param>
    /// <param name="logger">Where refusals and store failures are logged.</param>
    public SmtpIngress(MailStore mails, DomainPolicyProvider policies, IOptions<SmtpIngressOptions> options, TimeProvider timeProvider, ILogger<SmtpIngress> logger)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(mails);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        this.mails = mails;
        this.policies = policies;
        this.options = options.Value;
        this.timeProvider = timeProvider;
        this.logger = logger;
    }

    /// <summary>The address the listener is bound to; valid after <see cref="StartAsync"/>.</summary>
    public IPEndPoint? EndPoint { get; private set; }

    /// <summary>Binds the port and starts accepting connections; returns once it listens.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="InvalidOperationException">The listener already runs.</exception>
    /// <exception cref="System.Net.Sockets.SocketException">The port cannot be bound.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (stopping is not null)
        {
            throw new InvalidOperationException("The SMTP ingress already runs.");
        }

        var listenerFactory = new EndpointListenerFactory();
        var bound = new TaskCompletionSource<IPEndPoint>(TaskCreationOptions.RunContinuationsAsynchronously);
        listenerFactory.EndpointStarted += (_, e) => bound.TrySetResult((IPEndPoint)e.LocalEndPoint);
        var serverOptions = new SmtpServerOptionsBuilder()
            .ServerName(options.ServerName)
            .Endpoint(endpoint => endpoint.Endpoint(new IPEndPoint(IPAddress.Parse(options.ListenAddress), options.Port)))
            .MaxMessageSize(options.MaxMessageSize, MaxMessageSizeHandling.Strict)
            .Build();
        var services = new ServiceProvider();
        services.Add(listenerFactory);
        services.Add(new RecipientFilter(this));
        services.Add(new Store(this));

        stopping = new CancellationTokenSource();
        running = new SmtpServer.SmtpServer(serverOptions, services).StartAsync(stopping.Token);
        var first = await Task.WhenAny(bound.Task, running).WaitAsync(cancellationToken).ConfigureAwait(false);
        if (first != bound.Task)
        {
            await StopAsync(CancellationToken.None).ConfigureAwait(false);
            await running.ConfigureAwait(false);
            throw new InvalidOperationException("The SMTP ingress stopped before it listened.");
        }

        EndPoint = await bound.Task.ConfigureAwait(false);
        logger.LogInformation("SMTP ingress listening on {EndPoint}", EndPoint);
    }

    /// <summary>Stops listening and ends open sessions; a mail whose store had not finished gets no <c>250</c>.</summary>
    /// <param name="cancellationToken">Ends the wait for the server to stop.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (stopping is not { } source)
        {
            return;
        }

        stopping = null;
        await source.CancelAsync().ConfigureAwait(false);
        try
        {
            await running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (source.IsCancellationRequested)
        {
            // Cancelling is how SmtpServer is told to stop.
        }
        finally
        {
            source.Dispose();
        }
    }

    /// <summary>Stops the listener if it runs.</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private static string AddressOf(IMailbox? mailbox) =>
        mailbox is null || string.IsNullOrEmpty(mailbox.User) ? string.Empty : mailbox.AsAddress();

    // The trace line, then the data. SmtpServer hands over the data without the CRLF that ends its last line (it
    // reads it as part of the terminating CRLF "." CRLF); it is put back so the stored mail is the data as sent.
    // No "for" clause: it would show Bcc recipients to everyone the mail reaches.
    private byte[] Trace(ISessionContext context, ReadOnlySequence<byte> buffer)
    {
        var client = context.Properties.TryGetValue(EndpointListener.RemoteEndPointKey, out var remote) && remote is IPEndPoint endPoint
            ? $"[{endPoint.Address}]"
            : "[unknown]";
        var received = Encoding.ASCII.GetBytes(
            $"Received: from {client} by {options.ServerName} with ESMTP id {context.SessionId:N};\r\n\t{DateUtils.FormatDate(timeProvider.GetUtcNow())}\r\n");
        var data = new byte[received.Length + buffer.Length + (buffer.IsEmpty ? 0 : 2)];
        received.CopyTo(data, 0);
        buffer.CopyTo(data.AsSpan(received.Length));
        if (!buffer.IsEmpty)
        {
            data[^2] = (byte)'\r';
            data[^1] = (byte)'\n';
        }

        return data;
    }

    private static SmtpResponseException Refuse(int code, string text) => new(new SmtpResponse((SmtpReplyCode)code, text));

    private sealed class RecipientFilter(SmtpIngress ingress) : IMailboxFilter
    {
        public Task<bool> CanAcceptFromAsync(ISessionContext context, IMailbox from, int size, CancellationToken cancellationToken)
        {
            var sender = AddressOf(from);
            if (sender.Length > 0)
            {
                try
                {
                    MailEnvelope.DomainOf(sender);
                }
                catch (MailEnvelopeException exception)
                {
                    throw Refuse(553, $"5.1.7 Bad sender address: {exception.Reason}");
                }
            }

            // MAIL FROM opens a transaction: the recipient count starts again.
            context.Properties[RecipientCountKey] = 0;
            return Task.FromResult(true);
        }

        public async Task<bool> CanDeliverToAsync(ISessionContext context, IMailbox to, IMailbox from, CancellationToken cancellationToken)
        {
            var recipient = AddressOf(to);
            var count = context.Properties.TryGetValue(RecipientCountKey, out var value) && value is int n ? n : 0;
            if (count >= ingress.options.MaxRecipients)
            {
                throw Refuse(452, "4.5.3 Too many recipients");
            }

            DomainPolicy policy;
            try
            {
                policy = await ingress.policies.GetAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // No policy to decide with (DomainPolicyUnavailableException or a storage error): defer, never accept blindly.
                ingress.logger.LogError(exception, "Domain policy unavailable; deferring recipient {Recipient}", recipient);
                throw Refuse(451, "4.3.0 Recipient policy unavailable, try again later");
            }

            if (!policy.IsServedRecipient(recipient))
            {
                ingress.logger.LogInformation("Refused recipient {Recipient} from {Sender}: domain not served", recipient, AddressOf(from));
                throw Refuse(550, "5.7.1 relaying denied");
            }

            context.Properties[RecipientCountKey] = count + 1;
            return true;
        }
    }

    private sealed class Store(SmtpIngress ingress) : MessageStore
    {
        public override async Task<SmtpResponse> SaveAsync(
            ISessionContext context, IMessageTransaction transaction, ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
        {
            MailEnvelope envelope;
            try
            {
                envelope = new MailEnvelope(AddressOf(transaction.From), transaction.To.Select(AddressOf));
            }
            catch (MailEnvelopeException exception)
            {
                ingress.logger.LogInformation("Refused a mail with a malformed envelope: {Reason}", exception.Message);
                return new SmtpResponse((SmtpReplyCode)550, "5.1.3 Bad envelope address");
            }

            try
            {
                var stored = await ingress.mails.StoreAsync(BinaryData.FromBytes(ingress.Trace(context, buffer)), envelope, IngressName, cancellationToken).ConfigureAwait(false);
                return new SmtpResponse(SmtpReplyCode.Ok, $"2.0.0 Queued as {stored.Name}");
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // The sender still holds the mail: a temporary failure makes it try again, so nothing is lost.
                ingress.logger.LogError(exception, "Could not store a mail from {Sender} for {RecipientCount} recipients; answered 451", envelope.MailFrom, envelope.Recipients.Count);
                return new SmtpResponse((SmtpReplyCode)451, "4.3.0 Could not store the message, try again later");
            }
        }
    }
}
