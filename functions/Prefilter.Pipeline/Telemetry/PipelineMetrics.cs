using System.Diagnostics.Metrics;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Stats;

namespace Prefilter.Pipeline.Telemetry;

/// <summary>
/// The pipeline's metrics: one meter, <see cref="MeterName"/>, for an OpenTelemetry <c>AddMeter</c> (the function
/// app's Application Insights exporter and any other listener read it). Names and tags follow OpenTelemetry's
/// conventions: dotted lowercase names, durations in seconds.
/// </summary>
public static class PipelineMetrics
{
    /// <summary>The meter's name.</summary>
    public const string MeterName = "Prefilter.Pipeline";

    /// <summary>Sets compiled on this instance, tagged <c>source</c> = <c>artifact</c> or <c>analysis</c>.</summary>
    public const string CompilesName = "prefilter.pattern_set.compiles";

    /// <summary>
    /// Scan duration in seconds (histogram), tagged <c>prefilter.set.version</c>, <c>prefilter.set.role</c>
    /// (<c>active</c>, <c>canary</c>), <c>prefilter.verdict.action</c> and <c>prefilter.scan.incomplete</c>.
    /// </summary>
    public const string ScanDurationName = "prefilter.scan.duration";

    /// <summary>Deliveries by <c>prefilter.delivery.result</c>: <c>delivered</c>, <c>already-settled</c>, <c>retry-scheduled</c>, <c>dead-lettered</c>.</summary>
    public const string DeliveriesName = "prefilter.deliveries";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Compiles = Meter.CreateCounter<long>(CompilesName, description: "Pattern sets compiled on this instance, from their stored artifact or by analysing them here");

    private static readonly Histogram<double> ScanDuration = Meter.CreateHistogram<double>(
        ScanDurationName, unit: "s", description: "Time one scan took, per set version and role, with the verdict's action");

    private static readonly Counter<long> Deliveries = Meter.CreateCounter<long>(DeliveriesName, description: "Claim-check messages the delivery stage handled, by result");

    /// <summary>Counts one compiled set.</summary>
    /// <param name="fromArtifact">True when it came from its compiled-set artifact.</param>
    public static void Compiled(bool fromArtifact) =>
        Compiles.Add(1, new KeyValuePair<string, object?>("source", fromArtifact ? "artifact" : "analysis"));

    /// <summary>Records one scan.</summary>
    /// <param name="result">The scan's result.</param>
    /// <param name="version">The version of the set that scanned.</param>
    /// <param name="role">The part the set played.</param>
    public static void Scanned(ScanResult result, string version, ScanRole role)
    {
        ArgumentNullException.ThrowIfNull(result);
        ScanDuration.Record(
            result.Elapsed.TotalSeconds,
            new KeyValuePair<string, object?>("prefilter.set.version", version),
            new KeyValuePair<string, object?>("prefilter.set.role", role == ScanRole.Canary ? "canary" : "active"),
            new KeyValuePair<string, object?>("prefilter.verdict.action", result.Action.ToString().ToLowerInvariant()),
            new KeyValuePair<string, object?>("prefilter.scan.incomplete", result.Incomplete));
    }

    /// <summary>Counts one handled claim-check message.</summary>
    /// <param name="result">What the delivery stage did with it.</param>
    public static void Handled(DeliveryResult result) =>
        Deliveries.Add(1, new KeyValuePair<string, object?>("prefilter.delivery.result", result switch
        {
            DeliveryResult.Delivered => "delivered",
            DeliveryResult.AlreadySettled => "already-settled",
            DeliveryResult.RetryScheduled => "retry-scheduled",
            _ => "dead-lettered",
        }));
}
