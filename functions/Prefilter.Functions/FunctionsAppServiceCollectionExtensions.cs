using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Prefilter.Pipeline;
using Prefilter.Pipeline.Api;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Functions;

/// <summary>Everything the function app registers; Program.cs and the tests call this one method.</summary>
public static class FunctionsAppServiceCollectionExtensions
{
    /// <summary>The setting that switches telemetry export on (set by the infra to the Application Insights resource).</summary>
    public const string ApplicationInsightsSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>
    /// Scanning, release and the HTTP API, delivery, and telemetry. Delivery runs as the hosted
    /// <see cref="DeliveryProcessorService"/> (a <c>ServiceBusProcessor</c> inside the app): the Service Bus trigger
    /// binding for the isolated worker is not available to this project (see DESIGN.md, "Azure shape"), and the
    /// plan's always-ready instance keeps the processor alive; its handler is the class a trigger would call.
    /// </summary>
    /// <param name="services">The worker's services.</param>
    /// <param name="configuration">The app settings.</param>
    /// <returns>The same collection.</returns>
    public static IServiceCollection AddPrefilterFunctionsApp(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPrefilterScanning(configuration)
            .AddPrefilterApi(configuration)
            .AddPrefilterDelivery(configuration);

        if (!string.IsNullOrWhiteSpace(configuration[ApplicationInsightsSetting]))
        {
            // Application Insights takes Entra ID ingestion only (local auth is off in infra), so the exporter signs in
            // with the app's managed identity instead of using the key in the connection string.
            services.AddOpenTelemetry()
                .UseFunctionsWorkerDefaults()
                .WithMetrics(metrics => metrics.AddMeter(PipelineMetrics.MeterName))
                .WithTracing(tracing => tracing.AddSource(PipelineActivities.SourceName))
                .UseAzureMonitorExporter(options =>
                {
                    options.ConnectionString = configuration[ApplicationInsightsSetting];
                    options.Credential = new DefaultAzureCredential();
                });
        }

        return services;
    }
}
