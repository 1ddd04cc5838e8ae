using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Prefilter.DevServices.Azurite;
using Prefilter.DevServices.FunctionsHost;
using Prefilter.DevServices.ServiceBus;
using Prefilter.DevServices.Smtp;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Functions.Tests.Hosting;

/// <summary>
/// The published function app running under the Functions host stand-in, on Azurite, the Service Bus dev broker and
/// an SMTP sink as the downstream of <see cref="ServedDomain"/>: started once for the whole collection. The app gets
/// its settings as environment variables, as in Azure; the test side reads and writes the same storage through the
/// pipeline's own stores (<see cref="Pipeline"/>).
/// </summary>
public sealed class FunctionsHostFixture : IAsyncLifetime
{
    /// <summary>The domain the app serves; its downstream is <see cref="Downstream"/>.</summary>
    public const string ServedDomain = "alpha.example";

    /// <summary>The published app.</summary>
    public string AppDirectory { get; private set; } = null!;

    /// <summary>The storage emulator.</summary>
    public AzuriteHost Azurite { get; private set; } = null!;

    /// <summary>The Service Bus dev broker with queue <c>deliver</c>.</summary>
    public ServiceBusDevBroker Broker { get; private set; } = null!;

    /// <summary>The downstream mail server.</summary>
    public SmtpSink Downstream { get; private set; } = null!;

    /// <summary>The host stand-in running the app.</summary>
    public FunctionsHostStandIn Host { get; private set; } = null!;

    /// <summary>The pipeline's services over the same storage and queue, for the tests' own reads and writes.</summary>
    public ServiceProvider Pipeline { get; private set; } = null!;

    /// <summary>The app settings the worker runs with.</summary>
    public IReadOnlyDictionary<string, string?> AppSettings { get; private set; } = new Dictionary<string, string?>();

    /// <summary>Host options for another stand-in over the same app and settings, changed by <paramref name="change"/>.</summary>
    public FunctionsHostStandInOptions HostOptions(Action<IDictionary<string, string?>>? change = null)
    {
        var options = new FunctionsHostStandInOptions { AppDirectory = AppDirectory };
        foreach (var (name, value) in AppSettings)
        {
            options.AppSettings[name] = value;
        }

        change?.Invoke(options.AppSettings);
        return options;
    }

    /// <summary>The set active from the start (a rollback returns to it).</summary>
    public PatternSet ActiveSet { get; } = Set();

    /// <summary>The mail store over the app's storage.</summary>
    public MailStore Mails => Pipeline.GetRequiredService<MailStore>();

    /// <summary>A recipient at the served domain that no other test uses, so a test finds its own mail at the downstream.</summary>
    public static string NewRecipient() => $"r{Guid.NewGuid():N}@{ServedDomain}";

    /// <summary>A plain-text mail to <paramref name="to"/>.</summary>
    public static BinaryData Mail(string to, string body) =>
        BinaryData.FromString(
            $"From: sender@fabrikam.example\r\nTo: {to}\r\nSubject: Hello\r\nMessage-ID: <{Guid.NewGuid():N}@fabrikam.example>\r\n" +
            $"Date: Mon, 07 Dec 2026 12:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n");

    /// <summary>Stores a mail in <c>incoming/</c> as the SMTP door does, without announcing it.</summary>
    public Task<MailBlobInfo> StoreMailAsync(string to, string body) =>
        Mails.StoreAsync(Mail(to, body), new MailEnvelope("sender@fabrikam.example", [to]), "test");

    /// <summary>Waits for the downstream to accept a mail for <paramref name="recipient"/>.</summary>
    public async Task<SmtpSinkMessage> WaitForDeliveryAsync(string recipient)
    {
        using var timeout = new CancellationTokenSource(Patience);
        while (true)
        {
            if (Downstream.Messages.FirstOrDefault(message => message.Recipients.Contains(recipient)) is { } message)
            {
                return message;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    /// <summary>Waits for a mail's final outcome.</summary>
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

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        var publishing = PublishedApp.PublishAsync();
        Azurite = await AzuriteHost.StartAsync();
        Broker = new ServiceBusDevBroker(new ServiceBusDevBrokerOptions());
        await Broker.StartAsync();
        Broker.DeclareQueue(new DevQueueOptions
        {
            Name = ServiceBusOptions.DefaultDeliverQueue,
            LockDuration = TimeSpan.FromSeconds(60),
            MaxDeliveryCount = 10,
            DuplicateDetectionWindow = TimeSpan.FromMinutes(10),
        });
        Downstream = await SmtpSink.StartAsync();

        AppSettings = new Dictionary<string, string?>
        {
            ["Storage"] = Azurite.ConnectionString,
            ["ServiceBus"] = Broker.ConnectionString,
            ["Patterns:refreshInterval"] = "00:00:01",
            ["Domains:refreshInterval"] = "00:00:01",
            ["Reconciler:minimumAge"] = "00:00:01",
        };
        Pipeline = new ServiceCollection()
            .AddLogging()
            .AddPrefilterRelease(new ConfigurationBuilder().AddInMemoryCollection(AppSettings).Build())
            .BuildServiceProvider();
        await PipelineStorage.EnsureContainersAsync(Pipeline.GetRequiredService<BlobServiceClient>(), Pipeline.GetRequiredService<PipelineContainers>());
        await Pipeline.GetRequiredService<DomainPolicyStore>().WriteAsync(
            new DomainPolicy([new ServedDomain(ServedDomain, new Downstream(Downstream.Host, Downstream.Port, TlsPolicy.None, null), null, false)]), null);
        await Pipeline.GetRequiredService<PatternReleaseService>().PublishAsync(ActiveSet, "functions host fixture");

        AppDirectory = await publishing;
        Host = await FunctionsHostStandIn.StartAsync(HostOptions());
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        foreach (var service in new IAsyncDisposable?[] { Host, Pipeline, Downstream, Broker, Azurite })
        {
            if (service is not null)
            {
                await service.DisposeAsync();
            }
        }

        if (AppDirectory is not null && Directory.Exists(AppDirectory))
        {
            Directory.Delete(AppDirectory, recursive: true);
        }
    }

    // Generous: the worker shares two cores with the other test assemblies.
    private static TimeSpan Patience => TimeSpan.FromMinutes(2);

    private static PatternSet Set() => new()
    {
        Name = "functions-host-tests",
        Version = "1",
        Created = new DateTimeOffset(2026, 12, 7, 0, 0, 0, TimeSpan.Zero),
        Thresholds = new Thresholds(5, 10),
        Rules = [new Rule { Id = "VIAGRA_WORD", Kind = RuleKind.Body, Pattern = "(?i)\\bviagra\\b", Score = 11 }],
    };
}
