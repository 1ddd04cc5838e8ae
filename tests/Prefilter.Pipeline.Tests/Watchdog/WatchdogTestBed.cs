using Azure.Storage.Blobs;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;
using Prefilter.Pipeline.Tests.Stats;

namespace Prefilter.Pipeline.Tests.Release;

/// <summary>
/// The watchdog as <c>AddPrefilterWatchdog</c> wires it, on the shared Azurite, with a fake clock and a settable
/// backlog: v1 active, v2 the canary at stage 0 (1 %), plan 1 % 15 min → 10 % 30 min → 50 % 60 min.
/// </summary>
public sealed class WatchdogTestBed : IAsyncDisposable
{
    private readonly AzuriteFixture azurite;

    private WatchdogTestBed(AzuriteFixture azurite, ServiceProvider services, PipelineContainers containers, FakeTimeProvider time, SettableBacklog backlog, CapturingLoggerProvider logs)
    {
        this.azurite = azurite;
        Services = services;
        Containers = containers;
        Time = time;
        Backlog = backlog;
        Logs = logs;
    }

    /// <summary>The services.</summary>
    public ServiceProvider Services { get; }

    /// <summary>This bed's containers.</summary>
    public PipelineContainers Containers { get; }

    /// <summary>The clock.</summary>
    public FakeTimeProvider Time { get; }

    /// <summary>The backlog the watchdog sees.</summary>
    public SettableBacklog Backlog { get; }

    /// <summary>Every log entry.</summary>
    public CapturingLoggerProvider Logs { get; }

    /// <summary>The watchdog under test.</summary>
    public Prefilter.Pipeline.Release.Watchdog Watchdog => Services.GetRequiredService<Prefilter.Pipeline.Release.Watchdog>();

    /// <summary>The scan stage's recorder (this instance).</summary>
    public ScanStatsRecorder Recorder => Services.GetRequiredService<ScanStatsRecorder>();

    /// <summary>The scan stage, counting into <see cref="Recorder"/>.</summary>
    public ScanStage Scan => Services.GetRequiredService<ScanStage>();

    /// <summary>Stores a mail as an ingress would and scans it.</summary>
    /// <param name="body">The mail's body.</param>
    public async Task<ScanStageResult> ScanMailAsync(string body)
    {
        var stored = await Services.GetRequiredService<MailStore>().StoreAsync(
            BinaryData.FromString(TestData.Mail(body)), new MailEnvelope("sender@fabrikam.example", ["alice@contoso.example"]), "test");
        return await Scan.ScanAsync(stored.Name);
    }

    /// <summary>The pattern store.</summary>
    public PatternStore Patterns => Services.GetRequiredService<PatternStore>();

    /// <summary>The active set at the start.</summary>
    public PatternSetRef V1 { get; private set; } = null!;

    /// <summary>The canary at the start.</summary>
    public PatternSetRef V2 { get; private set; } = null!;

    /// <summary>Builds a bed with v1 active and v2 the canary at stage 0 since now.</summary>
    /// <param name="azurite">The shared Azurite.</param>
    /// <param name="broker">The shared broker (the scan stage sends claim checks to a queue of this bed's own).</param>
    /// <param name="minimumSamples">The watchdog's sample minimum.</param>
    /// <param name="canary">The canary set; default v2 (v1 plus a rule no test mail has).</param>
    /// <param name="canaryShare">The canary's share of mail at stage 0.</param>
    public static async Task<WatchdogTestBed> CreateAsync(AzuriteFixture azurite, DevBrokerFixture broker, int minimumSamples = 50, PatternSet? canary = null, double canaryShare = 1)
    {
        var containers = azurite.NewContainers();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["Storage:containerPrefix"] = containers.Prefix,
            ["ServiceBus"] = broker.ConnectionString,
            ["ServiceBus:deliverQueue"] = broker.NewDeliverQueue(),
            ["Release:Stages:0:SharePercent"] = "1",
            ["Release:Stages:0:BakeTime"] = "00:15:00",
            ["Release:Stages:1:SharePercent"] = "10",
            ["Release:Stages:1:BakeTime"] = "00:30:00",
            ["Release:Stages:2:SharePercent"] = "50",
            ["Release:Stages:2:BakeTime"] = "01:00:00",
            ["Watchdog:window"] = "00:15:00",
            ["Watchdog:minimumSamples"] = minimumSamples.ToString(System.Globalization.CultureInfo.InvariantCulture),
        }).Build();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        var backlog = new SettableBacklog();
        var logs = new CapturingLoggerProvider();
        var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(time)
            .AddSingleton<IDeliveryBacklog>(backlog)
            .AddLogging(logging => logging.AddProvider(logs))
            .AddPrefilterWatchdog(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        services.GetRequiredService<IStartupValidator>().Validate();
        await azurite.CreateContainersAsync(containers);

        var bed = new WatchdogTestBed(azurite, services, containers, time, backlog, logs);
        bed.V1 = await TestActivation.ActivateAsync(services.GetRequiredService<BlobServiceClient>(), containers, TestData.Set("v1"), time.GetUtcNow(), "watchdog test bed");
        bed.V2 = await bed.Patterns.StoreSetAsync(canary ?? TestData.Set("v2", new Rule { Id = "EXTRA", Kind = RuleKind.Body, Pattern = "extra", Score = 1 }));
        var snapshot = (await bed.Patterns.ReadStateAsync())!.Snapshot!;
        await bed.Patterns.WriteStateAsync(snapshot.State with { Canary = new PatternCanary(bed.V2, canaryShare, 0, time.GetUtcNow()) }, snapshot.ETag);
        return bed;
    }

    /// <summary>The state now.</summary>
    public async Task<PatternStateSnapshot> StateAsync() => (await Patterns.ReadStateAsync())!.Snapshot!;

    /// <summary>Records scans now and flushes them, as the scan stage and the flush service would.</summary>
    /// <param name="set">The set that scanned.</param>
    /// <param name="role">Its role.</param>
    /// <param name="count">Number of scans.</param>
    /// <param name="cost">Cost of each.</param>
    /// <param name="flagged">How many of them are tagged.</param>
    /// <param name="deadlineHits">How many of them hit the deadline.</param>
    public async Task ScansAsync(PatternSetRef set, ScanRole role, int count, TimeSpan cost, int flagged = 0, int deadlineHits = 0)
    {
        for (var i = 0; i < count; i++)
        {
            Recorder.Record(StatsData.Result(set.Digest, cost, i < flagged ? VerdictAction.Tag : VerdictAction.Deliver, deadlineExceeded: i < deadlineHits), role);
        }

        await Recorder.FlushAsync();
    }

    /// <summary>Healthy traffic for both sets: equal cost and verdict mix.</summary>
    public async Task HealthyScansAsync(int count = 60)
    {
        await ScansAsync(V1, ScanRole.Active, count, TimeSpan.FromMilliseconds(2), flagged: count / 10);
        await ScansAsync(V2, ScanRole.Canary, count, TimeSpan.FromMilliseconds(2), flagged: count / 10);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await azurite.DeleteContainersAsync(Containers);
    }

    /// <summary>A backlog the test sets, with a hook that runs while the watchdog is between its read and its write.</summary>
    public sealed class SettableBacklog : IDeliveryBacklog
    {
        /// <summary>The age answered.</summary>
        public TimeSpan? Age { get; set; }

        private Func<Task>? beforeNextAnswer;

        /// <summary>Runs <paramref name="hook"/> once, inside the next call (the watchdog has read the state and not yet written).</summary>
        public void BeforeNextAnswer(Func<Task> hook) => beforeNextAnswer = hook;

        /// <inheritdoc />
        public async Task<TimeSpan?> OldestMessageAgeAsync(CancellationToken cancellationToken = default)
        {
            if (Interlocked.Exchange(ref beforeNextAnswer, null) is { } hook)
            {
                await hook();
            }

            return Age;
        }
    }
}
