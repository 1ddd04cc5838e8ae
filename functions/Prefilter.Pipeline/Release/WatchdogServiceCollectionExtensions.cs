using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prefilter.Pipeline.Stats;

namespace Prefilter.Pipeline.Release;

/// <summary>Wiring of the watchdog.</summary>
public static class WatchdogServiceCollectionExtensions
{
    /// <summary>
    /// <see cref="Watchdog"/>, <see cref="WatchdogStatusStore"/> and what the watchdog reads: <c>AddPrefilterRelease</c> (the canary transitions),
    /// <c>AddPrefilterScanStats</c> (the shared figures) and <see cref="ServiceBusDeliveryBacklog"/> as
    /// <see cref="IDeliveryBacklog"/> (unless one is registered already). Section <c>Watchdog</c>. May be called more
    /// than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">App configuration.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddPrefilterWatchdog(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPrefilterRelease(configuration).AddPrefilterScanStats(configuration).AddPrefilterServiceBus(configuration);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(Watchdog)))
        {
            return services;
        }

        services.AddOptions<WatchdogOptions>()
            .Bind(configuration.GetSection(WatchdogOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<IDeliveryBacklog, ServiceBusDeliveryBacklog>();
        services.TryAddSingleton<WatchdogStatusStore>();
        services.AddSingleton<Watchdog>();
        return services;
    }
}
