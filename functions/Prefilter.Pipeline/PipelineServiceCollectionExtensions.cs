using Azure.Identity;
using Azure.Messaging.ServiceBus;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Ingest;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Reconciliation;
using Prefilter.Pipeline.Scanning;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline;

/// <summary>
/// Wiring of the pipeline's storage and scanning halves. Each <c>Add…</c> method binds its options from a named
/// configuration section, validates them at start-up, and may be called more than once (later calls do nothing),
/// so other halves (e.g. <c>AddPrefilterDelivery</c>, defined next to the delivery classes) can call
/// <see cref="AddPrefilterStorage"/> and <see cref="AddPrefilterServiceBus"/> themselves.
/// </summary>
/// <remarks>
/// Clients are registered the Azure way (<c>Microsoft.Extensions.Azure</c>): with a connection string when one is
/// configured (Azurite, the dev broker), otherwise with the service URI / namespace and <see cref="DefaultAzureCredential"/>
/// (the app's managed identity in Azure). A section may itself hold the connection string (<c>Storage</c>,
/// <c>ServiceBus</c>), as Functions bindings expect, or use the <c>__serviceUri</c>-style keys.
/// </remarks>
public static class PipelineServiceCollectionExtensions
{
    /// <summary>
    /// Blob and queue storage (<c>BlobServiceClient</c>, <c>QueueServiceClient</c>) and everything that lives in them: <see cref="MailStore"/>, <see cref="PatternStore"/>,
    /// <see cref="DomainPolicyStore"/>, <see cref="DomainPolicyProvider"/>, <see cref="DownstreamSecrets"/>, <see cref="HttpIngest"/>.
    /// Sections: <c>Storage</c>, <c>Domains</c>, <c>Ingest</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">App configuration.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddPrefilterStorage(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (!Once<StorageMarker>(services))
        {
            return services;
        }

        var section = configuration.GetSection(StorageOptions.SectionName);
        services.AddOptions<StorageOptions>()
            .Bind(section)
            .PostConfigure(options => options.ConnectionString ??= section.Value)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        BindValidated<DomainPolicyOptions>(services, configuration, DomainPolicyOptions.SectionName);
        BindValidated<IngestOptions>(services, configuration, IngestOptions.SectionName);

        services.AddAzureClients(builder =>
        {
            builder.AddClient<BlobServiceClient, BlobClientOptions>((clientOptions, credential, provider) =>
            {
                var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
                return string.IsNullOrWhiteSpace(storage.ConnectionString)
                    ? new BlobServiceClient(storage.BlobServiceUri, credential, clientOptions)
                    : new BlobServiceClient(storage.ConnectionString, clientOptions);
            });
            builder.AddClient<QueueServiceClient, QueueClientOptions>((clientOptions, credential, provider) =>
            {
                // Base64, as the Functions queue extension reads and writes messages by default.
                clientOptions.MessageEncoding = QueueMessageEncoding.Base64;
                var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
                return string.IsNullOrWhiteSpace(storage.ConnectionString)
                    ? new QueueServiceClient(storage.QueueServiceUri ?? QueueUriOf(storage.BlobServiceUri!), credential, clientOptions)
                    : new QueueServiceClient(storage.ConnectionString, clientOptions);
            });
            builder.UseCredential(_ => new DefaultAzureCredential());
        });

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider => new PipelineContainers(provider.GetRequiredService<IOptions<StorageOptions>>().Value.ContainerPrefix));
        services.TryAddSingleton<MailStore>();
        services.TryAddSingleton<PatternStore>();
        services.TryAddSingleton<DomainPolicyStore>();
        services.TryAddSingleton<DomainPolicyProvider>();
        services.TryAddSingleton(new DownstreamSecrets(configuration));
        services.TryAddSingleton<HttpIngest>();
        return services;
    }

    /// <summary>The Service Bus client shared by scanning and delivery. Section: <c>ServiceBus</c>.</summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">App configuration.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddPrefilterServiceBus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        if (!Once<ServiceBusMarker>(services))
        {
            return services;
        }

        var section = configuration.GetSection(ServiceBusOptions.SectionName);
        services.AddOptions<ServiceBusOptions>()
            .Bind(section)
            .PostConfigure(options => options.ConnectionString ??= section.Value)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddAzureClients(builder =>
        {
            builder.AddClient<ServiceBusClient, ServiceBusClientOptions>((clientOptions, credential, provider) =>
            {
                var serviceBus = provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value;
                return string.IsNullOrWhiteSpace(serviceBus.ConnectionString)
                    ? new ServiceBusClient(serviceBus.FullyQualifiedNamespace, credential, clientOptions)
                    : new ServiceBusClient(serviceBus.ConnectionString, clientOptions);
            });
            builder.UseCredential(_ => new DefaultAzureCredential());
        });
        services.TryAddSingleton(TimeProvider.System);
        return services;
    }

    /// <summary>
    /// The scan half: <see cref="ActivePatternSetProvider"/> (with its compiled-set cache), <see cref="ScanStage"/>,
    /// <see cref="ClaimCheckSender"/>, <see cref="Reconciler"/>; includes <see cref="AddPrefilterStorage"/> and
    /// <see cref="AddPrefilterServiceBus"/>. Sections: <c>Patterns</c>, <c>Scanning</c>, <c>Reconciler</c>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">App configuration.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddPrefilterScanning(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPrefilterStorage(configuration).AddPrefilterServiceBus(configuration);
        if (!Once<ScanningMarker>(services))
        {
            return services;
        }

        BindValidated<PatternStoreOptions>(services, configuration, PatternStoreOptions.SectionName);
        BindValidated<ScanOptions>(services, configuration, ScanOptions.SectionName);
        BindValidated<ReconcilerOptions>(services, configuration, ReconcilerOptions.SectionName);

        // The same scanner options for every compile, so what the gate measured is what scans.
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<ScanOptions>>().Value.ToScannerOptions(provider.GetRequiredService<TimeProvider>()));
        services.TryAddSingleton(provider => new CompiledPatternSetCache(provider.GetRequiredService<ScannerOptions>()));
        services.TryAddSingleton<ActivePatternSetProvider>();
        services.TryAddSingleton<ClaimCheckSender>();
        services.TryAddSingleton<ScanStage>();
        services.TryAddSingleton<Reconciler>();
        services.TryAddSingleton<ReconcilerPass>();
        return services;
    }

    private static Uri QueueUriOf(Uri blobServiceUri) =>
        new UriBuilder(blobServiceUri) { Host = blobServiceUri.Host.Replace(".blob.", ".queue.", StringComparison.OrdinalIgnoreCase) }.Uri;

    private static void BindValidated<TOptions>(IServiceCollection services, IConfiguration configuration, string sectionName)
        where TOptions : class =>
        services.AddOptions<TOptions>()
            .Bind(configuration.GetSection(sectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();

    /// <summary>True the first time it is called for <typeparamref name="TMarker"/> on these services: makes an <c>AddXxx</c> safe to call twice.</summary>
    internal static bool Once<TMarker>(IServiceCollection services)
        where TMarker : class, new()
    {
        if (services.Any(descriptor => descriptor.ServiceType == typeof(TMarker)))
        {
            return false;
        }

        services.AddSingleton(new TMarker());
        return true;
    }

    private sealed class StorageMarker;

    private sealed class ServiceBusMarker;

    private sealed class ScanningMarker;
}
