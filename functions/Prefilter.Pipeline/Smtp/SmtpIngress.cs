using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Smtp;

/// <summary>
/// The pre-filter's own SMTP listener: the door a customer's MX record points at. It accepts a recipient only when
/// <see cref="DomainPolicy.CheckRecipient"/> does (a served domain, and a local part no downstream could route on) —
/// anything else gets <c>550 5.7.1</c> at <c>RCPT TO</c>, so it is never an open relay — and answers <c>250</c> only
/// after the mail and its envelope are stored in <c>incoming/</c>. When the store fails it answers <c>451 4.3.0</c>,
/// so the sender keeps the mail and retries: nothing is lost. Like any MTA (RFC 5321 §4.4) it adds a
/// <c>Received:</c> trace line on top of the mail it stores; otherwise the stored bytes are the data as sent.
/// Offers <c>STARTTLS</c> when a certificate is configured (<see cref="SmtpIngressOptions.CertificatePath"/>).
/// </summary>
public sealed class SmtpIngress : IHostedService, IAsyncDisposable
{
    /// <summary>The ingress name recorded on stored mail.</summary>
    public const string IngressName = "smtp";

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
    /// <param name="options">Address, port, limits, TLS.</param>
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

    /// <summary>The certificate offered with <c>STARTTLS</c>, or null when TLS is not configured; valid after <see cref="StartAsync"/>.</summary>
    public X509Certificate2? Certificate { get; private set; }

    /// <summary>Binds the port and starts accepting connections; returns once it listens.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="InvalidOperationException">The listener already runs, or the configured certificate cannot be loaded.</exception>
    /// <exception cref="SocketException">The port cannot be bound.</exception>
    public Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (stopping is not null)
        {
            throw new InvalidOperationException("The SMTP ingress already runs.");
        }

        Certificate ??= SmtpIngressCertificate.Load(options);
        var listener = new TcpListener(IPAddress.Parse(options.ListenAddress), options.Port);
        listener.Start();
        EndPoint = (IPEndPoint)listener.LocalEndpoint;
        stopping = new CancellationTokenSource();
        var context = new SmtpIngressContext(options, policies, mails, Certificate, timeProvider, logger);
        running = AcceptAsync(listener, context, stopping.Token);
        logger.LogInformation("SMTP ingress listening on {EndPoint}, STARTTLS {Tls}", EndPoint, Certificate is null ? "off" : "on");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Stops listening and ends open sessions with <c>421 4.3.2</c>; a mail whose store had not finished gets no
    /// <c>250</c>, so its sender sends it again.
    /// </summary>
    /// <param name="cancellationToken">Ends the wait for the sessions to close.</param>
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
        finally
        {
            source.Dispose();
        }
    }

    /// <summary>Stops the listener if it runs.</summary>
    public async ValueTask DisposeAsync()
    {
        await StopAsync().ConfigureAwait(false);
        Certificate?.Dispose();
    }

    private async Task AcceptAsync(TcpListener listener, SmtpIngressContext context, CancellationToken stoppingToken)
    {
        var sessions = new HashSet<Task>();
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                Socket socket;
                try
                {
                    socket = await listener.AcceptSocketAsync(stoppingToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                catch (SocketException exception)
                {
                    logger.LogWarning(exception, "SMTP ingress could not accept a connection");
                    continue;
                }

                lock (sessions)
                {
                    sessions.RemoveWhere(task => task.IsCompleted);
                    var session = ServeAsync(socket, context, full: sessions.Count >= options.MaxSessions, stoppingToken);
                    sessions.Add(session);
                }
            }
        }
        finally
        {
            listener.Stop();
            Task[] open;
            lock (sessions)
            {
                open = [.. sessions];
            }

            await Task.WhenAll(open).ConfigureAwait(false);
        }
    }

    private async Task ServeAsync(Socket socket, SmtpIngressContext context, bool full, CancellationToken stoppingToken)
    {
        await Task.Yield();
        var remote = socket.RemoteEndPoint as IPEndPoint;
        await using var stream = new NetworkStream(socket, ownsSocket: true);
        var session = new SmtpSession(context, stream, remote);
        try
        {
            if (full)
            {
                logger.LogWarning("SMTP ingress at {MaxSessions} sessions; turned {Remote} away", options.MaxSessions, remote);
                await session.CloseAsync("4.3.2", "Too many connections, try again later").ConfigureAwait(false);
                return;
            }

            await session.RunAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            // A fault in one session must not stop the listener; the client gets 421 and tries again.
            logger.LogError(exception, "SMTP session from {Remote} failed", remote);
            await session.CloseAsync("4.3.0", "Internal error, try again later").ConfigureAwait(false);
        }
    }
}

/// <summary>What every session of one <see cref="SmtpIngress"/> shares.</summary>
internal sealed record SmtpIngressContext(
    SmtpIngressOptions Options,
    DomainPolicyProvider Policies,
    MailStore Mails,
    X509Certificate2? Certificate,
    TimeProvider TimeProvider,
    ILogger Logger);
