using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Cli.Local;

/// <summary>
/// The local stack's OpenTelemetry export: the pipeline's activity source and meter (what the function app sends to
/// Azure Monitor) to an OTLP endpoint, OpenTelemetry's console exporter, or both.
/// </summary>
internal static class LocalTelemetry
{
    /// <summary>The service name the exported spans and metrics carry.</summary>
    public const string ServiceName = "prefilter-up";

    /// <summary>Registers the exporters <paramref name="options"/> asks for; nothing when it asks for none.</summary>
    /// <param name="services">The host's services.</param>
    /// <param name="options">The stack's options.</param>
    public static void AddLocalTelemetry(this IServiceCollection services, LocalStackOptions options)
    {
        if (options.OtlpEndpoint is null && !options.ConsoleExporter)
        {
            return;
        }

        services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(ServiceName))
            .WithTracing(tracing =>
            {
                tracing.AddSource(PipelineActivities.SourceName);
                if (options.OtlpEndpoint is { } endpoint)
                {
                    tracing.AddOtlpExporter(otlp => otlp.Endpoint = endpoint);
                }

                if (options.ConsoleExporter)
                {
                    tracing.AddConsoleExporter();
                }
            })
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(PipelineMetrics.MeterName);
                if (options.OtlpEndpoint is { } endpoint)
                {
                    metrics.AddOtlpExporter(otlp => otlp.Endpoint = endpoint);
                }

                if (options.ConsoleExporter)
                {
                    metrics.AddConsoleExporter();
                }
            });
    }
}
