using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Release;

/// <summary>
/// The release half as the Functions app wires it (<c>AddPrefilterRelease</c> over configuration) on the shared Azurite,
/// in containers of its own, with a fake clock for history, canary stages and corpus days.
/// </summary>
/// <remarks>
/// The scanner options are registered by the bed (before <c>AddPrefilterScanning</c>, which only adds them when
/// missing) with the real clock unless a test passes others: the gate measures real scan time, and a deadline test
/// swaps the clock to prove the gate scans with the registered instance.
/// </remarks>
public sealed class ReleaseTestBed : IAsyncDisposable
{
    private readonly AzuriteFixture azurite;
    private readonly bool ownsContainers;

    private ReleaseTestBed(AzuriteFixture azurite, ServiceProvider services, PipelineContainers containers, FakeTimeProvider time, bool ownsContainers)
    {
        this.azurite = azurite;
        this.ownsContainers = ownsContainers;
        Services = services;
        Containers = containers;
        Time = time;
    }

    /// <summary>The container server.</summary>
    public ServiceProvider Services { get; }

    /// <summary>This bed's containers.</summary>
    public PipelineContainers Containers { get; }

    /// <summary>The clock of the release services.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>The publish path.</summary>
    public PatternReleaseService Release => Services.GetRequiredService<PatternReleaseService>();

    /// <summary>Rollback.</summary>
    public RollbackService Rollback => Services.GetRequiredService<RollbackService>();

    /// <summary>Canary transitions.</summary>
    public CanaryController Canary => Services.GetRequiredService<CanaryController>();

    /// <summary>The kill switch.</summary>
    public KillSwitch Kill => Services.GetRequiredService<KillSwitch>();

    /// <summary>The gate corpus.</summary>
    public GateCorpus Corpus => Services.GetRequiredService<GateCorpus>();

    /// <summary>This bed's gate queue on Azurite.</summary>
    public QueueClient GateQueue => Services.GetRequiredService<GateRequestQueue>().Client;

    /// <summary>The gate run the queue trigger calls.</summary>
    public ReleaseGateHandler GateHandler => Services.GetRequiredService<ReleaseGateHandler>();

    /// <summary>Release documents.</summary>
    public ReleaseDocuments Documents => Services.GetRequiredService<ReleaseDocuments>();

    /// <summary>The pattern store.</summary>
    public PatternStore Patterns => Services.GetRequiredService<PatternStore>();

    /// <summary>The patterns container, for reading and tampering with blobs directly.</summary>
    public BlobContainerClient PatternsContainer => azurite.Blobs.GetBlobContainerClient(Containers.Patterns);

    /// <summary>Builds a bed.</summary>
    /// <param name="azurite">The shared Azurite.</param>
    /// <param name="broker">The shared broker (only its connection string: the scan half's options need one).</param>
    /// <param name="settings">Extra configuration, e.g. <c>["Gate:MaxHamToSpamFlips"] = "2"</c>.</param>
    /// <param name="scanner">The production scanner options; default: defaults with the real clock.</param>
    /// <param name="policy">A pipeline policy for every storage request (to pause a request mid-flight).</param>
    /// <param name="shareWith">Another bed whose containers (and so state) this bed works on.</param>
    public static async Task<ReleaseTestBed> CreateAsync(
        AzuriteFixture azurite,
        DevBrokerFixture broker,
        IDictionary<string, string?>? settings = null,
        ScannerOptions? scanner = null,
        HttpPipelinePolicy? policy = null,
        ReleaseTestBed? shareWith = null)
    {
        var containers = shareWith?.Containers ?? azurite.NewContainers();
        var configuration = new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["Storage:containerPrefix"] = containers.Prefix,
            ["ServiceBus"] = broker.ConnectionString,
            ["ServiceBus:deliverQueue"] = broker.NewDeliverQueue(),
            ["Corpus:sampleRate"] = "1",
            ["Release:gateSampleSize"] = "200",
            ["Release:gateQueue"] = containers.Prefix + "release-gate",

            // Budgets a test does not exercise are out of reach, so a loaded machine cannot fail it on timing noise.
            ["Gate:maxP99Cost"] = "00:01:00",
            ["Gate:maxP99CostRatio"] = "1000000",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .AddSingleton(scanner ?? new ScannerOptions { TimeProvider = TimeProvider.System })
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Debug))
            .AddPrefilterRelease(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build());
        if (policy is not null)
        {
            services.AddAzureClients(builder => builder.ConfigureDefaults(options => options.AddPolicy(policy, HttpPipelinePosition.PerCall)));
        }

        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        provider.GetRequiredService<IStartupValidator>().Validate();
        await azurite.CreateContainersAsync(containers);
        return new ReleaseTestBed(azurite, provider, containers, time, ownsContainers: shareWith is null);
    }

    /// <summary>Puts mails into the gate corpus's sample (the bed samples every mail).</summary>
    public async Task SampleAsync(string prefix, params string[] bodies)
    {
        for (var i = 0; i < bodies.Length; i++)
        {
            Assert.True(await Corpus.SampleAsync($"{prefix}-{i:D4}.eml", Encoding.UTF8.GetBytes(TestData.Mail(bodies[i]))));
        }
    }

    /// <summary>The state now.</summary>
    public async Task<PatternState> StateAsync() => (await Patterns.ReadStateAsync())?.Snapshot?.State ?? new PatternState();

    /// <summary>Names of the audit records, oldest first.</summary>
    public async Task<IReadOnlyList<string>> AuditNamesAsync()
    {
        var names = new List<string>();
        await foreach (var blob in PatternsContainer.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, ReleaseDocuments.AuditFolder, default))
        {
            names.Add(blob.Name);
        }

        return names;
    }

    /// <summary>Publishes a set that must pass, and returns the result.</summary>
    public async Task<PublishResult> PublishPassingAsync(PatternSet set)
    {
        var result = await Release.PublishAsync(set, "test");
        Assert.True(result.GateReport?.Passed, string.Join("; ", result.GateReport?.Refusals ?? []));
        return result;
    }

    /// <summary>
    /// Takes the next gate request from the queue and runs it as the queue trigger does: the message is deleted when the
    /// handler returns and left to come back when it throws (the exception is returned, not thrown).
    /// </summary>
    /// <param name="visibility">How long the taken message stays invisible.</param>
    public async Task<(PatternRelease? Release, Exception? Thrown, long DequeueCount)> RunNextGateAsync(TimeSpan? visibility = null)
    {
        // A message taken before becomes visible again when its visibility timeout ends: wait for it, boundedly.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Azure.Storage.Queues.Models.QueueMessage? message;
        while ((message = (await GateQueue.ReceiveMessageAsync(visibility ?? TimeSpan.FromMinutes(1), timeout.Token)).Value) is null)
        {
            await Task.Delay(100, timeout.Token);
        }

        try
        {
            var release = await GateHandler.HandleAsync(message.MessageText, message.DequeueCount);
            await GateQueue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
            return (release, null, message.DequeueCount);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return (null, exception, message.DequeueCount);
        }
    }

    /// <summary>Messages waiting on the gate queue.</summary>
    public async Task<int> GateQueueLengthAsync() => (await GateQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount;

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (ownsContainers)
        {
            await GateQueue.DeleteIfExistsAsync();
        }

        await Services.DisposeAsync();
        if (ownsContainers)
        {
            await azurite.DeleteContainersAsync(Containers);
        }
    }
}
