using System.Globalization;
using System.Text;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Prefilter.DevServices.ServiceBus;
using Prefilter.DevServices.Smtp;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Delivery;

/// <summary>
/// One delivery test's world on the shared Azurite and dev broker: its own containers and queue, an SMTP sink per
/// served domain, and the delivery stage as the app wires it (<c>AddPrefilterDelivery</c> over configuration).
/// Real clock: the broker holds scheduled retries and MailKit waits in real time, so backoffs are short instead.
/// </summary>
public sealed class DeliveryScenario : IAsyncDisposable
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly AzuriteFixture azurite;
    private readonly DevBrokerFixture broker;
    private readonly List<ServedDomain> domains = [];
    private readonly List<SmtpSink> sinks = [];
    private readonly ServiceProvider services;
    private readonly ServiceBusSender sender;

    private DeliveryScenario(AzuriteFixture azurite, DevBrokerFixture broker, ServiceProvider services, PipelineContainers containers, string queue)
    {
        this.azurite = azurite;
        this.broker = broker;
        this.services = services;
        Containers = containers;
        Queue = queue;
        sender = Bus.CreateSender(queue);
    }

    public PipelineContainers Containers { get; }

    public string Queue { get; }

    public MailStore Mails => services.GetRequiredService<MailStore>();

    public ServiceBusClient Bus => services.GetRequiredService<ServiceBusClient>();

    public DeliveryProcessorService Processor => services.GetRequiredService<DeliveryProcessorService>();

    public QueueCounts Counts => broker.Broker.GetQueueCounts(Queue);

    public static async Task<DeliveryScenario> CreateAsync(
        AzuriteFixture azurite, DevBrokerFixture broker, int maxAttempts = 10, Action<DevQueueOptions>? queueOptions = null,
        IDictionary<string, string?>? settings = null, bool quickStorageRetries = false)
    {
        var containers = azurite.NewContainers();
        var queue = broker.NewDeliverQueue(options =>
        {
            // Short enough that a lost lock would show up within a test, long enough for the 50 MB relay.
            options.LockDuration = TimeSpan.FromSeconds(30);
            queueOptions?.Invoke(options);
        });
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["Storage:containerPrefix"] = containers.Prefix,
            ["ServiceBus"] = broker.ConnectionString,
            ["ServiceBus:deliverQueue"] = queue,
            ["Delivery:backoff:0"] = "00:00:00.200",
            ["Delivery:maxAttempts"] = maxAttempts.ToString(CultureInfo.InvariantCulture),
            ["Delivery:maxConcurrentCalls"] = "4",
            ["Delivery:Relay:timeout"] = "00:00:30",
        }.Concat(settings ?? new Dictionary<string, string?>()).GroupBy(p => p.Key).Select(g => g.Last())).Build();
        var collection = new ServiceCollection().AddLogging().AddPrefilterDelivery(configuration);
        if (quickStorageRetries)
        {
            collection.AddAzureClients(clients => clients.ConfigureDefaults(options =>
            {
                options.Retry.MaxRetries = 1;
                options.Retry.Delay = TimeSpan.FromMilliseconds(10);
            }));
        }

        var services = collection
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        await azurite.CreateContainersAsync(containers);
        return new DeliveryScenario(azurite, broker, services, containers, queue);
    }

    /// <summary>Serves <paramref name="domain"/> with a new sink as its downstream.</summary>
    public async Task<SmtpSink> ServeAsync(string domain)
    {
        var sink = await SmtpSink.StartAsync();
        sinks.Add(sink);
        domains.Add(new ServedDomain(domain, new Downstream(sink.Host, sink.Port, TlsPolicy.StartTlsWhenAvailable, null), null, false));
        return sink;
    }

    /// <summary>Serves <paramref name="domain"/> with <paramref name="downstream"/>, which the test runs.</summary>
    public void Serve(string domain, Downstream downstream) => domains.Add(new ServedDomain(domain, downstream, null, false));

    /// <summary>Writes domains.json and starts the hosted processor.</summary>
    public async Task StartAsync()
    {
        await services.GetRequiredService<DomainPolicyStore>().WriteAsync(new DomainPolicy(domains), null);
        await Processor.StartAsync();
    }

    /// <summary>
    /// Stores a mail as an ingress would and sends its claim check as the scan stage would; <paramref name="progress"/>
    /// adds metadata entries first, as an earlier delivery attempt would have left them.
    /// </summary>
    public async Task<ClaimCheck> SubmitAsync(
        byte[] mail, string mailFrom, IReadOnlyList<string> recipients, VerdictAction action = VerdictAction.Deliver,
        IReadOnlyDictionary<string, VerdictAction>? domainVerdicts = null, IReadOnlyDictionary<string, string>? progress = null)
    {
        var stored = await Mails.StoreAsync(BinaryData.FromBytes(mail), new MailEnvelope(mailFrom, recipients), "test");
        var verdict = new ScanVerdict { Action = action, Score = 5.5, Rules = ["RULE_ONE", "RULE_TWO"], SetDigest = "0123abcd" };
        var scanned = await Mails.RecordOutcomeAsync(stored, new MailOutcomeRecord(MailOutcome.Scanned, DateTimeOffset.UtcNow) { Verdict = verdict });
        if (progress is not null)
        {
            var blob = azurite.Blobs.GetBlobContainerClient(Containers.Incoming).GetBlobClient(scanned.Name);
            var metadata = new Dictionary<string, string>((await blob.GetPropertiesAsync()).Value.Metadata);
            foreach (var (key, value) in progress)
            {
                metadata[key] = value;
            }

            await blob.SetMetadataAsync(metadata);
        }

        var claim = new ClaimCheck
        {
            BlobName = scanned.Name,
            ETag = scanned.ETag.ToString(),
            Verdict = verdict,
            DomainVerdicts = domainVerdicts ?? new Dictionary<string, VerdictAction>(),
            ScannedAt = DateTimeOffset.UtcNow,
        };
        await SendAsync(claim.ToMessage());
        return claim;
    }

    /// <summary>
    /// Stores a mail blob by hand, with an envelope no door would write now (as an older version, or a tool writing
    /// to <c>incoming/</c> directly, might have), and sends its claim check.
    /// </summary>
    public async Task<ClaimCheck> SubmitRawAsync(byte[] mail, string mailFrom, IReadOnlyList<string> recipients)
    {
        var name = $"{DateTime.UtcNow:yyyyMMdd'T'HHmmssfff'Z'}-{Guid.NewGuid():N}.eml";
        var json = System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(new { mailFrom, rcptTo = recipients });
        var blob = azurite.Blobs.GetBlobContainerClient(Containers.Incoming).GetBlobClient(name);
        await blob.UploadAsync(BinaryData.FromBytes(mail), new Azure.Storage.Blobs.Models.BlobUploadOptions
        {
            Metadata = new Dictionary<string, string> { [MailMetadata.Envelope] = Convert.ToBase64String(json), [MailMetadata.Ingress] = "test" },
        });
        var properties = await blob.GetPropertiesAsync();
        var claim = new ClaimCheck
        {
            BlobName = name,
            ETag = properties.Value.ETag.ToString(),
            Verdict = new ScanVerdict { Action = VerdictAction.Deliver, Score = 0, Rules = [], SetDigest = "0123abcd" },
            DomainVerdicts = new Dictionary<string, VerdictAction>(),
            ScannedAt = DateTimeOffset.UtcNow,
        };
        await SendAsync(claim.ToMessage());
        return claim;
    }

    public Task SendAsync(ServiceBusMessage message) => sender.SendMessageAsync(message);

    /// <summary>Waits until the mail blob carries a final outcome.</summary>
    public async Task<MailBlobInfo> WaitForOutcomeAsync(string blobName)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            var info = await Mails.GetInfoAsync(blobName, timeout.Token);
            if (info.Outcome is { } outcome && outcome.IsFinal())
            {
                return info;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    public async Task<ServiceBusReceivedMessage> ReceiveDeadLetterAsync()
    {
        await using var receiver = Bus.CreateReceiver(Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var message = await receiver.ReceiveMessageAsync(Patience);
        Assert.NotNull(message);
        await receiver.CompleteMessageAsync(message);
        return message;
    }

    /// <summary>Waits until the queue holds nothing (active, scheduled or locked): every message is settled.</summary>
    public async Task WaitUntilQueueIsSettledAsync()
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (Counts is { Active: > 0 } or { Scheduled: > 0 } or { Locked: > 0 })
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    public static byte[] Mail(string to, string subject = "hello", string extraHeaders = "", string body = "Hello there.\r\n") =>
        Encoding.UTF8.GetBytes(
            $"{extraHeaders}From: Sender <sender@origin.example>\r\nTo: {to}\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@origin.example>\r\n\r\n{body}");

    public async ValueTask DisposeAsync()
    {
        await Processor.StopAsync();
        await sender.DisposeAsync();
        await services.DisposeAsync();
        foreach (var sink in sinks)
        {
            await sink.DisposeAsync();
        }

        await azurite.DeleteContainersAsync(Containers);
    }
}
