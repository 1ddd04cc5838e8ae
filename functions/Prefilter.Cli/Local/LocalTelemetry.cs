using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Exporter;
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

    /// <summary>The <c>--otlp-protocol</c> value of OTLP over gRPC.</summary>
    public const string Grpc = "grpc";

    /// <summary>The <c>--otlp-protocol</c> value of OTLP over HTTP with protobuf bodies.</summary>
    public const string HttpProtobuf = "http/protobuf";

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
                    tracing.AddOtlpExporter(otlp => Configure(otlp, endpoint, options.OtlpProtocol, "v1/traces"));
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
                    metrics.AddOtlpExporter(otlp => Configure(otlp, endpoint, options.OtlpProtocol, "v1/metrics"));
                }

                if (options.ConsoleExporter)
                {
                    metrics.AddConsoleExporter();
                }
            });
    }

    // The exporter adds the signal's path to an endpoint from OTEL_EXPORTER_OTLP_ENDPOINT, not to one set in code.
    private static void Configure(OtlpExporterOptions otlp, Uri endpoint, OtlpExportProtocol protocol, string signalPath)
    {
        otlp.Protocol = protocol;
        otlp.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf
            ? new Uri(new Uri(endpoint.ToString().TrimEnd('/') + "/"), signalPath)
            : endpoint;
    }
}
