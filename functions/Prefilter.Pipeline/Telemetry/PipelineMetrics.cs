using System.Diagnostics.Metrics;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Ingest;
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

    /// <summary>Claim-check messages handled, by <c>prefilter.delivery.result</c>: <c>delivered</c>, <c>already-settled</c>, <c>retry-scheduled</c>, <c>dead-lettered</c>.</summary>
    public const string DeliveriesName = "prefilter.deliveries";

    /// <summary>Mails an ingress accepted (answered 250, or 202 over HTTP), tagged <c>prefilter.ingress.door</c> (<c>smtp</c>, <c>http</c>).</summary>
    public const string IngressAcceptedName = "prefilter.ingress.accepted";

    /// <summary>
    /// Refusals by an ingress, tagged <c>prefilter.ingress.door</c> and <c>prefilter.ingress.reason</c>
    /// (<see cref="IngestRefusal"/> in kebab case: <c>relay-denied</c>, <c>invalid-envelope</c>, <c>too-large</c>, ...);
    /// over SMTP each refused command counts, so a mail with two refused recipients counts twice.
    /// </summary>
    public const string IngressRefusedName = "prefilter.ingress.refused";

    private static readonly Meter Meter = new(MeterName);

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Enum, string> TagValues = new();

    private static readonly Counter<long> Compiles = Meter.CreateCounter<long>(CompilesName, description: "Pattern sets compiled on this instance, from their stored artifact or by analysing them here");

    private static readonly Histogram<double> ScanDuration = Meter.CreateHistogram<double>(
        ScanDurationName, unit: "s", description: "Time one scan took, per set version and role, with the verdict's action");

    private static readonly Counter<long> IngressAccepted = Meter.CreateCounter<long>(IngressAcceptedName, description: "Mails an ingress accepted, by door");

    private static readonly Counter<long> IngressRefused = Meter.CreateCounter<long>(IngressRefusedName, description: "Mails, recipients or senders an ingress refused, by door and reason");

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
            new KeyValuePair<string, object?>("prefilter.set.role", TagValue(role)),
            new KeyValuePair<string, object?>("prefilter.verdict.action", TagValue(result.Action)),
            new KeyValuePair<string, object?>("prefilter.scan.incomplete", result.Incomplete));
    }

    /// <summary>Counts one accepted mail.</summary>
    /// <param name="door">The ingress: <see cref="Smtp.SmtpIngress.IngressName"/> or <see cref="HttpIngest.IngressName"/>.</param>
    public static void Accepted(string door) =>
        IngressAccepted.Add(1, new KeyValuePair<string, object?>("prefilter.ingress.door", door));

    /// <summary>Counts one refusal.</summary>
    /// <param name="door">The ingress: <see cref="Smtp.SmtpIngress.IngressName"/> or <see cref="HttpIngest.IngressName"/>.</param>
    /// <param name="reason">Why.</param>
    public static void Refused(string door, IngestRefusal reason) =>
        IngressRefused.Add(
            1,
            new KeyValuePair<string, object?>("prefilter.ingress.door", door),
            new KeyValuePair<string, object?>("prefilter.ingress.reason", TagValue(reason)));

    /// <summary>Counts one handled claim-check message.</summary>
    /// <param name="result">What the delivery stage did with it, as <see cref="TagValue"/> names it (a <c>DeliveryResult</c>).</param>
    public static void Handled(string result) =>
        Deliveries.Add(1, new KeyValuePair<string, object?>("prefilter.delivery.result", result));

    /// <summary>An enum value as a tag value: its name in kebab case, <c>RetryScheduled</c> as <c>retry-scheduled</c>.</summary>
    /// <param name="value">The value.</param>
    public static string TagValue(Enum value)
    {
        ArgumentNullException.ThrowIfNull(value);

        // Tags are written per mail; each enum value is named once.
        return TagValues.GetOrAdd(value, static value =>
        {
            var name = value.ToString();
            var text = new System.Text.StringBuilder(name.Length + 4);
            for (var i = 0; i < name.Length; i++)
            {
                if (char.IsUpper(name[i]) && i > 0)
                {
                    text.Append('-');
                }

                text.Append(char.ToLowerInvariant(name[i]));
            }

            return text.ToString();
        });
    }
}
