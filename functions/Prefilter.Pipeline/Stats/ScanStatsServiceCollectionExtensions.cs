using Azure.Data.Tables;
using Microsoft.Extensions.Azure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Stats;

/// <summary>Wiring of the scan figures.</summary>
public static class ScanStatsServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="ScanStatsRecorder"/> (for the scan stage), <see cref="ScanStatsReader"/> (for the watchdog and status),
    /// <see cref="ScanStatsTable"/>, and <see cref="ScanStatsFlushService"/> as a hosted service. Includes
    /// <c>AddPrefilterStorage</c>: the table lives in the same storage account, reached with its connection string or
    /// with <see cref="ScanStatsOptions.TableServiceUri"/> and the app's identity. Section <c>ScanStats</c>. May be
    /// called more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">App configuration.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddPrefilterScanStats(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPrefilterStorage(configuration);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(ScanStatsRecorder)))
        {
            return services;
        }

        services.AddOptions<ScanStatsOptions>()
            .Bind(configuration.GetSection(ScanStatsOptions.SectionName))
            // The deployment sets Storage__tableServiceUri beside Storage__blobServiceUri, as for the other services.
            .PostConfigure(options => options.TableServiceUri ??= configuration.GetSection(StorageOptions.SectionName).GetValue<Uri?>("tableServiceUri"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddAzureClients(builder => builder.AddClient<TableServiceClient, TableClientOptions>((clientOptions, credential, provider) =>
        {
            var storage = provider.GetRequiredService<IOptions<StorageOptions>>().Value;
            var stats = provider.GetRequiredService<IOptions<ScanStatsOptions>>().Value;
            return string.IsNullOrWhiteSpace(storage.ConnectionString)
                ? new TableServiceClient(stats.TableServiceUri ?? TableUriOf(storage.BlobServiceUri!), credential, clientOptions)
                : new TableServiceClient(storage.ConnectionString, clientOptions);
        }));
        services.TryAddSingleton<ScanStatsTable>();
        services.TryAddSingleton<ScanStatsReader>();
        services.AddSingleton<ScanStatsRecorder>();
        services.TryAddSingleton<ScanStatsFlushService>();
        services.AddHostedService(provider => provider.GetRequiredService<ScanStatsFlushService>());
        return services;
    }

    private static Uri TableUriOf(Uri blobServiceUri) =>
        new UriBuilder(blobServiceUri) { Host = blobServiceUri.Host.Replace(".blob.", ".table.", StringComparison.OrdinalIgnoreCase) }.Uri;
}
