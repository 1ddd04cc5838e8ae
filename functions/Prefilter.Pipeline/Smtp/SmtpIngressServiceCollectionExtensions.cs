using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Prefilter.Pipeline.Smtp;

/// <summary>Registers the SMTP ingress.</summary>
public static class SmtpIngressServiceCollectionExtensions
{
    /// <summary>
    /// Registers <see cref="SmtpIngress"/> as a hosted service with options from the <c>SmtpIngress</c> section,
    /// validated at start. Includes <see cref="PipelineServiceCollectionExtensions.AddPrefilterStorage"/>. Not for
    /// the Functions app (a function app cannot listen on an SMTP port); for <c>prefilter up</c> or a container host.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The app configuration.</param>
    /// <returns>The same collection.</returns>
    public static IServiceCollection AddPrefilterSmtpIngress(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPrefilterStorage(configuration);
        if (services.Any(descriptor => descriptor.ServiceType == typeof(SmtpIngress)))
        {
            return services;
        }

        services.AddOptions<SmtpIngressOptions>().Bind(configuration.GetSection(SmtpIngressOptions.SectionName)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<SmtpIngress>();
        services.AddHostedService(sp => sp.GetRequiredService<SmtpIngress>());
        return services;
    }
}
