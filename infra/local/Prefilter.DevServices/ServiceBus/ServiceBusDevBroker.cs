using System.Net;
using System.Net.Sockets;
using Amqp;
using Amqp.Listener;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// A development stand-in for Azure Service Bus, not a Service Bus: an AMQP 1.0 listener on 127.0.0.1 that
/// speaks the part of the Service Bus protocol the <c>Azure.Messaging.ServiceBus</c> client uses for queues,
/// so production code runs unchanged against <see cref="ConnectionString"/>.
/// </summary>
/// <remarks>
/// <para>Served: sending (single and batch), peek-lock and receive-and-delete receiving, complete, abandon,
/// dead-letter (reason and description become the <c>DeadLetterReason</c> and <c>DeadLetterErrorDescription</c>
/// application properties of the copy in <c>{queue}/$DeadLetterQueue</c>), lock renewal, scheduled messages
/// (send-time <c>ScheduledEnqueueTime</c> and <c>ScheduleMessageAsync</c>), cancelling them, peek,
/// duplicate detection, message time to live, and drain (so <c>ServiceBusProcessor.StopProcessingAsync</c> returns).
/// Not served: sessions, topics and subscriptions, deferral, transactions, the administration client (declare
/// queues in <see cref="ServiceBusDevBrokerOptions.Queues"/>), authentication (any SAS token is accepted).</para>
/// <para>Messages are kept in memory, and with <see cref="ServiceBusDevBrokerOptions.Location"/> also in a journal
/// there that is flushed to disk before the broker acknowledges a send or a settlement, so a broker started on the
/// same folder after a crash holds every message it acknowledged and none it acknowledged as settled.</para>
/// <para>Rules, per queue (<see cref="DevQueueOptions"/>): a peek-lock delivery is a delivery attempt; it ends
/// with complete or dead-letter, or fails with abandon, lock expiry, or the receiver's link closing with the
/// message unsettled (released). A failed attempt adds one to the delivery count and makes the message
/// available at once (in sequence-number order, ahead of later messages); when the count reaches
/// <see cref="DevQueueOptions.MaxDeliveryCount"/> the message is dead-lettered with reason
/// <c>MaxDeliveryCountExceeded</c>. Azure keeps a lock after its link closes until it expires; this broker
/// releases it at once so a restarted worker sees the message without waiting out the lock.</para>
/// <para>Time (lock expiry, scheduled enqueue time, time to live, duplicate window) comes from the
/// <see cref="TimeProvider"/> given to the constructor, so tests can drive it.</para>
/// </remarks>
public sealed class ServiceBusDevBroker : IAsyncDisposable
{
    private const int BindAttempts = 5;

    private readonly ServiceBusDevBrokerOptions options;
    private readonly TimeProvider timeProvider;
    private readonly List<DevQueueOptions> declaredLater = [];
    private readonly object hostSync = new();
    private DevBrokerCore? core;
    private ContainerHost? host;
    private AcceptedSockets? accepted;
    private int port;

    /// <summary>Creates a stopped broker serving the queues in <paramref name="options"/>.</summary>
    /// <param name="options">Port, queues and message size limit.</param>
    /// <param name="timeProvider">Clock for locks, schedules, time to live and duplicate detection; the system clock when null.</param>
    /// <exception cref="ArgumentNullException"><paramref name="options"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid (see <see cref="ServiceBusDevBrokerOptions.Validate"/>).</exception>
    /// <exception cref="InvalidDataException">The journal in <see cref="ServiceBusDevBrokerOptions.Location"/> is damaged before its last record.</exception>
    /// <exception cref="IOException">The journal cannot be read or written.</exception>
    public ServiceBusDevBroker(ServiceBusDevBrokerOptions options, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        this.options = options;
        this.timeProvider = timeProvider ?? TimeProvider.System;
        core = new DevBrokerCore(options.Queues, this.timeProvider, options.Location);
    }

    /// <summary>The port the broker listens on.</summary>
    /// <exception cref="InvalidOperationException">The broker has not been started.</exception>
    public int Port => host is not null ? port : throw new InvalidOperationException("The broker has not been started.");

    /// <summary>
    /// The connection string for <c>ServiceBusClient</c>, in the shape of Microsoft's emulator:
    /// <c>UseDevelopmentEmulator=true</c> turns TLS off and restricts the client to loopback.
    /// </summary>
    /// <exception cref="InvalidOperationException">The broker has not been started.</exception>
    public string ConnectionString =>
        $"Endpoint=sb://127.0.0.1:{Port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true";

    /// <summary>
    /// Starts listening on 127.0.0.1 (on a free port when <see cref="ServiceBusDevBrokerOptions.Port"/> is 0). After
    /// <see cref="KillAsync"/> it starts as a new process would: from the journal, on the port it had.
    /// </summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="InvalidOperationException">The broker was already started.</exception>
    /// <exception cref="SocketException">The port could not be bound.</exception>
    /// <exception cref="InvalidDataException">On a restart, the journal is damaged before its last record.</exception>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        if (host is not null)
        {
            throw new InvalidOperationException("The broker is already started.");
        }

        var restart = this.core is null;
        if (restart)
        {
            this.core = new DevBrokerCore(this.options.Queues.Concat(this.declaredLater), this.timeProvider, this.options.Location);
        }

        for (var attempt = 1; ; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var candidate = restart ? this.port : options.Port != 0 ? options.Port : FreeLoopbackPort();
            lock (hostSync)
            {
                var (started, sockets) = CreateHost(candidate);
                try
                {
                    started.Open();
                    host = started;
                    this.accepted = sockets;
                    port = candidate;
                    return;
                }
                catch (SocketException) when (attempt < BindAttempts && (restart || options.Port == 0))
                {
                    // A free port was taken between probing and binding (probe again), or the killed listener's port is
                    // not free yet (try it again shortly).
                    started.Close();
                }
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops the broker as a crash of its process would: every connection is reset with no AMQP close, nothing more is
    /// written to the journal (not even a flush), and the messages in memory are dropped. <see cref="StartAsync"/>
    /// brings it back from the journal on the same port: with every message it acknowledged, those that were locked
    /// available again.
    /// </summary>
    /// <exception cref="InvalidOperationException">The broker is not running, or keeps its messages in memory only (no <see cref="ServiceBusDevBrokerOptions.Location"/>).</exception>
    public async Task KillAsync()
    {
        if (this.options.Location is null)
        {
            throw new InvalidOperationException("The broker keeps its messages in memory: killing it would lose them all, not test a restart.");
        }

        DevBrokerCore killed;
        lock (hostSync)
        {
            var running = this.host ?? throw new InvalidOperationException("The broker is not running.");
            killed = this.core!;
            this.accepted!.ResetAll();
            running.Close();
            this.host = null;
            this.core = null;
        }

        await killed.CrashAsync().ConfigureAwait(false);
    }

    /// <summary>
    /// Declares one more queue (and its dead-letter queue), before or after <see cref="StartAsync"/>; safe to call
    /// while clients are connected.
    /// </summary>
    /// <param name="queue">The queue's name and properties.</param>
    /// <exception cref="ArgumentNullException"><paramref name="queue"/> is null.</exception>
    /// <exception cref="ArgumentException">The options are invalid or a queue of that name exists.</exception>
    public void DeclareQueue(DevQueueOptions queue)
    {
        ArgumentNullException.ThrowIfNull(queue);
        queue.Validate();
        lock (hostSync)
        {
            var added = (this.core ?? throw new InvalidOperationException("The broker was killed; start it first.")).AddQueue(queue);
            this.declaredLater.Add(queue);
            if (host is not null)
            {
                RegisterManagement(host, added);
            }
        }
    }

    /// <summary>Counts the messages of a declared queue by state; due scheduled messages and expired locks are applied first.</summary>
    /// <param name="queueName">A queue declared in the options.</param>
    /// <exception cref="ArgumentException">The queue is not declared.</exception>
    /// <exception cref="InvalidOperationException">The broker's dispatcher failed (a bug; the inner exception says why), or it was killed and not started again.</exception>
    public QueueCounts GetQueueCounts(string queueName) =>
        (this.core ?? throw new InvalidOperationException("The broker was killed; start it first.")).GetCounts(queueName) ?? throw new ArgumentException($"Queue '{queueName}' is not declared in the dev broker's options.", nameof(queueName));

    /// <summary>Stops listening and closes all connections; messages are dropped, or kept in the journal with <see cref="ServiceBusDevBrokerOptions.Location"/>.</summary>
    public async ValueTask DisposeAsync()
    {
        Interlocked.Exchange(ref host, null)?.Close();
        if (Interlocked.Exchange(ref this.core, null) is { } running)
        {
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    private (ContainerHost Host, AcceptedSockets Sockets) CreateHost(int listenPort)
    {
        var core = this.core!;
        var containerHost = new ContainerHost(new Address($"amqp://127.0.0.1:{listenPort}"));
        var listener = containerHost.Listeners[0];
        listener.SASL.EnableMechanism(MssbcbsSaslProfile.Name, new MssbcbsSaslProfile());
        var sockets = new AcceptedSockets(new LockTokenTagHandler());
        listener.HandlerFactory = _ => sockets;
        // The SDK opens a session per link; a busy client needs more than the library's default.
        listener.AMQP.MaxSessionsPerConnection = 4096;

        containerHost.RegisterRequestProcessor("$cbs", new CbsRequestProcessor());
        RegisterManagement(containerHost, core.Queues);
        containerHost.RegisterLinkProcessor(new QueueLinkProcessor(core, options.MaxMessageSize));
        return (containerHost, sockets);
    }

    private void RegisterManagement(ContainerHost containerHost, IEnumerable<DevQueue> queues)
    {
        foreach (var queue in queues)
        {
            containerHost.RegisterRequestProcessor($"{queue.Path}/$management", new ManagementRequestProcessor(this.core!, queue));
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
