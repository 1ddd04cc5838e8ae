using System.Diagnostics.Metrics;

namespace Prefilter.Pipeline.Patterns;

/// <summary>The pattern-set metrics of the <c>Prefilter.Pipeline</c> meter.</summary>
public static class PatternSetMetrics
{
    /// <summary>The meter's name, for an OpenTelemetry <c>AddMeter</c>.</summary>
    public const string MeterName = "Prefilter.Pipeline";

    /// <summary>The counter of sets compiled on this instance, tagged <c>source</c> = <c>artifact</c> or <c>analysis</c>.</summary>
    public const string CompilesName = "prefilter.pattern_set.compiles";

    private static readonly Meter Meter = new(MeterName);

    private static readonly Counter<long> Compiles = Meter.CreateCounter<long>(CompilesName, description: "Pattern sets compiled on this instance, from their stored artifact or by analysing them here");

    /// <summary>Counts one compiled set.</summary>
    /// <param name="fromArtifact">True when it came from its compiled-set artifact.</param>
    public static void Compiled(bool fromArtifact) =>
        Compiles.Add(1, new KeyValuePair<string, object?>("source", fromArtifact ? "artifact" : "analysis"));
}
