using System.Text;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.DevServices.ServiceBus;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Ingest;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Reconciliation;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Tests.Fixtures;

/// <summary>
/// The scan half of the pipeline as the Functions app wires it (<c>AddPrefilterScanning</c> over configuration),
/// on the shared Azurite and dev broker, in containers and a queue of its own, with a fake clock.
/// </summary>
public sealed class PipelineTestBed : IAsyncDisposable
{
    private readonly AzuriteFixture azurite;
    private readonly DevBrokerFixture broker;

    private PipelineTestBed(AzuriteFixture azurite, DevBrokerFixture broker, ServiceProvider services, PipelineContainers containers, string queue, FakeTimeProvider time, CapturingLoggerProvider logs)
    {
        this.azurite = azurite;
        this.broker = broker;
        Services = services;
        Containers = containers;
        Queue = queue;
        Time = time;
        Logs = logs;
    }

    /// <summary>The container server.</summary>
    public ServiceProvider Services { get; }

    /// <summary>This bed's containers.</summary>
    public PipelineContainers Containers { get; }

    /// <summary>This bed's deliver queue.</summary>
    public string Queue { get; }

    /// <summary>The clock every service uses; starts at the real time so Azurite's timestamps compare sensibly.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>Every log entry of the services.</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>The mail store.</summary>
    public MailStore Mails => Services.GetRequiredService<MailStore>();

    /// <summary>The pattern store.</summary>
    public PatternStore Patterns => Services.GetRequiredService<PatternStore>();

    /// <summary>The scan stage.</summary>
    public ScanStage Scan => Services.GetRequiredService<ScanStage>();

    /// <summary>The reconciler.</summary>
    public Reconciler Reconciler => Services.GetRequiredService<Reconciler>();

    /// <summary>Per-set scan statistics as the watchdog reads them (in memory; never flushed here).</summary>
    public ScanStatsRecorder Stats => Services.GetRequiredService<ScanStatsRecorder>();

    /// <summary>The HTTP door.</summary>
    public HttpIngest Ingest => Services.GetRequiredService<HttpIngest>();

    /// <summary>The Service Bus client the services use.</summary>
    public ServiceBusClient Bus => Services.GetRequiredService<ServiceBusClient>();

    /// <summary>Messages in this bed's queue right now.</summary>
    public QueueCounts QueueCounts => broker.Broker.GetQueueCounts(Queue);

    /// <summary>Builds a bed.</summary>
    /// <param name="azurite">The shared Azurite.</param>
    /// <param name="broker">The shared broker.</param>
    /// <param name="settings">Extra configuration, e.g. <c>["Scanning:MaxMailBytes"] = "4096"</c>.</param>
    /// <param name="scanner">The engine options to scan with instead of those the configuration makes.</param>
    public static async Task<PipelineTestBed> CreateAsync(AzuriteFixture azurite, DevBrokerFixture broker, IDictionary<string, string?>? settings = null, ScannerOptions? scanner = null)
    {
        var containers = azurite.NewContainers();
        var queue = broker.NewDeliverQueue();
        var configuration = new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["Storage:containerPrefix"] = containers.Prefix,
            ["ServiceBus"] = broker.ConnectionString,
            ["ServiceBus:deliverQueue"] = queue,
            ["Patterns:refreshInterval"] = "00:00:05",
            ["Domains:refreshInterval"] = "00:00:05",
            ["Reconciler:minimumAge"] = "00:05:00",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var logs = new CapturingLoggerProvider();
        var collection = new ServiceCollection();
        if (scanner is not null)
        {
            collection.AddSingleton(scanner);
        }

        var services = collection
            .AddSingleton<TimeProvider>(time)
            .AddLogging(logging => logging.AddProvider(logs).SetMinimumLevel(LogLevel.Debug))
            .AddPrefilterScanning(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .AddPrefilterScanStats(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .AddPrefilterGateCorpus(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        services.GetRequiredService<IStartupValidator>().Validate();
        await azurite.CreateContainersAsync(containers);
        return new PipelineTestBed(azurite, broker, services, containers, queue, time, logs);
    }

    /// <summary>Serves domains, each relaying to its own (unused) downstream.</summary>
    public async Task ServeDomainsAsync(params ServedDomain[] domains) =>
        await Services.GetRequiredService<DomainPolicyStore>().WriteAsync(new DomainPolicy(domains), null);

    /// <summary>A served domain relaying to 127.0.0.1 on a port derived from its name.</summary>
    public static ServedDomain Domain(string name, Thresholds? thresholds = null) =>
        new(name, new Downstream("127.0.0.1", 2500 + (Math.Abs(name.GetHashCode(StringComparison.Ordinal)) % 1000), TlsPolicy.None, null), thresholds, false);

    /// <summary>Stores a mail as the SMTP ingress would.</summary>
    public Task<MailBlobInfo> StoreMailAsync(string raw, string mailFrom, params string[] recipients) =>
        Mails.StoreAsync(BinaryData.FromBytes(Encoding.UTF8.GetBytes(raw)), new MailEnvelope(mailFrom, recipients), "test");

    /// <summary>Makes a set active (test set-up: through the commit step, without the gate).</summary>
    public Task<PatternSetRef> ActivateAsync(PatternSet set) =>
        TestActivation.ActivateAsync(Services.GetRequiredService<BlobServiceClient>(), Containers, set, Time.GetUtcNow(), "test bed");

    /// <summary>Lets refresh intervals pass so providers re-read state.json and domains.json.</summary>
    public void PassRefreshInterval() => Time.Advance(TimeSpan.FromSeconds(6));

    /// <summary>Receives what is in the queue now (peek-lock, completed).</summary>
    public async Task<IReadOnlyList<ServiceBusReceivedMessage>> DrainQueueAsync()
    {
        await using var receiver = Bus.CreateReceiver(Queue);
        var all = new List<ServiceBusReceivedMessage>();
        while (QueueCounts.Active > 0)
        {
            var batch = await receiver.ReceiveMessagesAsync(QueueCounts.Active, TimeSpan.FromSeconds(5));
            foreach (var message in batch)
            {
                await receiver.CompleteMessageAsync(message);
                all.Add(message);
            }
        }

        return all;
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await azurite.DeleteContainersAsync(Containers);
    }
}
