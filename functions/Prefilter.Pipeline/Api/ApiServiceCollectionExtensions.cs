using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Status;

namespace Prefilter.Pipeline.Api;

/// <summary>Registers the HTTP API handlers.</summary>
public static class ApiServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="PatternsApi"/>, <see cref="MailApi"/> and <see cref="StatusApi"/>, with options from the <c>Api</c> section (validated at start).
    /// Includes <see cref="WatchdogServiceCollectionExtensions.AddPrefilterWatchdog"/> (and through it release, scan
    /// stats, storage and scanning).
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">App configuration.</param>
    /// <returns>The same collection.</returns>
    public static IServiceCollection AddPrefilterApi(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPrefilterWatchdog(configuration);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(PatternsApi)))
        {
            return services;
        }

        services.AddOptions<ApiOptions>().Bind(configuration.GetSection(ApiOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.TryAddSingleton<PatternsApi>();
        services.TryAddSingleton<MailApi>();
        services.TryAddSingleton<DeadLetterQueueProbe>();
        services.TryAddSingleton<StatusReportService>();
        services.TryAddSingleton<StatusApi>();
        return services;
    }
}
