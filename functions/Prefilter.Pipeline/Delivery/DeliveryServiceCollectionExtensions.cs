using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Messaging;

namespace Prefilter.Pipeline.Delivery;

/// <summary>Registers the delivery stage.</summary>
public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="DeliveryHandler"/> and its parts, and <see cref="DeliveryProcessorService"/> as a hosted
    /// service that consumes the <c>deliver</c> queue. Options come from the <c>Delivery</c> section
    /// (<see cref="DeliveryOptions"/>) and <c>Delivery:Relay</c> (<see cref="SmtpRelayOptions"/>), validated at start.
    /// Expects the pipeline's storage and domain registrations (MailStore, DomainPolicyProvider, DownstreamSecrets,
    /// BlobServiceClient, PipelineContainers), a <see cref="ServiceBusClient"/>, <see cref="ServiceBusOptions"/> (the
    /// queue name) and a <see cref="TimeProvider"/>.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The app configuration.</param>
    /// <returns>The same collection.</returns>
    public static IServiceCollection AddPrefilterDelivery(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);

        services.AddOptions<DeliveryOptions>().Bind(configuration.GetSection(DeliveryOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SmtpRelayOptions>().Bind(configuration.GetSection($"{DeliveryOptions.SectionName}:Relay")).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SmtpRelay>();
        services.AddSingleton<DownstreamProgressStore>();
        services.AddSingleton(sp => new DeliveryRetryScheduler(
            sp.GetRequiredService<ServiceBusClient>().CreateSender(sp.GetRequiredService<IOptions<ServiceBusOptions>>().Value.DeliverQueue)));
        services.AddSingleton<DeliveryHandler>();
        services.AddSingleton<DeliveryProcessorService>();
        services.AddHostedService(sp => sp.GetRequiredService<DeliveryProcessorService>());
        return services;
    }
}
