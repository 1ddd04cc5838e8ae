using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Messaging;

namespace Prefilter.Pipeline.Delivery;

/// <summary>Registers the delivery stage.</summary>
public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DeliveryHandler"/> and its parts, and <see cref="DeliveryProcessorService"/> as a hosted
    /// service that consumes the deliver queue (<c>ServiceBus:DeliverQueue</c>). Includes
    /// <see cref="PipelineServiceCollectionExtensions.AddPrefilterStorage"/> and
    /// <see cref="PipelineServiceCollectionExtensions.AddPrefilterServiceBus"/>. Sections: <c>Delivery</c>
    /// (<see cref="DeliveryOptions"/>), <c>Delivery:Relay</c> (<see cref="SmtpRelayOptions"/>) and
    /// <c>Delivery:CircuitBreaker</c> (<see cref="DownstreamCircuitBreakerOptions"/>), validated at start.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The app configuration.</param>
    /// <returns>The same collection.</returns>
    public static IServiceCollection AddPrefilterDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPrefilterStorage(configuration).AddPrefilterServiceBus(configuration);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(DeliveryHandler)))
        {
            return services;
        }

        services.AddOptions<DeliveryOptions>()
            .Bind(configuration.GetSection(DeliveryOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<SmtpRelayOptions>()
            .Bind(configuration.GetSection($"{DeliveryOptions.SectionName}:Relay"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<DownstreamCircuitBreakerOptions>()
            .Bind(configuration.GetSection($"{DeliveryOptions.SectionName}:CircuitBreaker"))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<SmtpRelay>();
        services.TryAddSingleton<DownstreamCircuitBreaker>();
        services.TryAddSingleton<DownstreamProgressStore>();
        services.TryAddSingleton(provider => new DeliveryRetryScheduler(
            provider.GetRequiredService<ServiceBusClient>().CreateSender(provider.GetRequiredService<IOptions<ServiceBusOptions>>().Value.DeliverQueue)));
        services.AddSingleton<DeliveryHandler>();
        services.TryAddSingleton<DeliveryProcessorService>();
        services.AddHostedService(provider => provider.GetRequiredService<DeliveryProcessorService>());
        return services;
    }
}
