using System.Diagnostics;
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

    /// <summary>Scans, by <c>prefilter.verdict.action</c>, <c>prefilter.set.version</c> and <c>prefilter.set.role</c>.</summary>
    public const string ScansName = "prefilter.scans";

    /// <summary>
    /// Incomplete scans, by <c>prefilter.scan.incomplete_reason</c> (one count per cause: <c>deadline</c> is a deadline
    /// hit, <c>message-cap</c>, <c>regex-timeout</c>, <c>regex-failed</c>, <c>unreadable</c>, and <c>oversized</c> for mail
    /// over the pipeline's cap, not scanned), with the set's version and role when a set scanned.
    /// </summary>
    public const string IncompleteScansName = "prefilter.scans.incomplete";

    /// <summary>Time one rule's regexes took in a sampled scan, in seconds (histogram), by <c>prefilter.rule.id</c> and <c>prefilter.set.version</c>.</summary>
    public const string RuleDurationName = "prefilter.rule.duration";

    /// <summary>Time one relay to a downstream took, in seconds (histogram), by <c>server.address</c>, <c>server.port</c> and <c>prefilter.relay.result</c>.</summary>
    public const string RelayDurationName = "prefilter.relay.duration";

    /// <summary>Retries scheduled, by <c>prefilter.delivery.attempt</c> (the attempt the copy will be).</summary>
    public const string RetriesName = "prefilter.delivery.retries";

    /// <summary>Mails dead-lettered, by <c>prefilter.dead_letter.reason</c>.</summary>
    public const string DeadLettersName = "prefilter.dead_letters";

    /// <summary>The semantic conventions' <c>messaging.process.duration</c>: time the delivery stage took per claim check, in seconds.</summary>
    public const string ProcessDurationName = "messaging.process.duration";

    /// <summary>The semantic conventions' <c>messaging.client.sent.messages</c>: claim checks sent to the deliver queue.</summary>
    public const string SentMessagesName = "messaging.client.sent.messages";

    /// <summary>Gauge: 1 for each set serving on this instance, by <c>prefilter.set.version</c> and <c>prefilter.set.role</c>.</summary>
    public const string ReleaseSetsName = "prefilter.release.sets";

    /// <summary>Gauge: the share of mail the canary scans (0 to 1), by the canary's <c>prefilter.set.version</c>; absent without a canary.</summary>
    public const string CanaryShareName = "prefilter.release.canary.share";

    private static readonly Meter Meter = new(MeterName);

    private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<object, Func<IEnumerable<ServingSet>>> ReleaseSources = [];

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Enum, string> TagValues = new();

    private static readonly IncompleteCauses[] IncompleteCauseValues =
        [.. Enum.GetValues<IncompleteCauses>().Where(cause => cause != IncompleteCauses.None)];

    private static readonly Counter<long> Compiles = Meter.CreateCounter<long>(CompilesName, description: "Pattern sets compiled on this instance, from their stored artifact or by analysing them here");

    private static readonly Histogram<double> ScanDuration = Meter.CreateHistogram<double>(
        ScanDurationName, unit: "s", description: "Time one scan took, per set version and role, with the verdict's action");

    private static readonly Counter<long> IngressAccepted = Meter.CreateCounter<long>(IngressAcceptedName, description: "Mails an ingress accepted, by door");

    private static readonly Counter<long> IngressRefused = Meter.CreateCounter<long>(IngressRefusedName, description: "Mails, recipients or senders an ingress refused, by door and reason");

    private static readonly Counter<long> Deliveries = Meter.CreateCounter<long>(DeliveriesName, description: "Claim-check messages the delivery stage handled, by result");

    private static readonly Counter<long> Scans = Meter.CreateCounter<long>(ScansName, unit: "{scan}", description: "Scans, by verdict action, set version and role");

    private static readonly Counter<long> IncompleteScans = Meter.CreateCounter<long>(IncompleteScansName, unit: "{scan}", description: "Incomplete scans, by reason; reason deadline counts deadline hits");

    private static readonly Histogram<double> RuleDuration = Meter.CreateHistogram<double>(
        RuleDurationName, unit: "s", description: "Time one rule's regexes took in a sampled scan");

    private static readonly Histogram<double> RelayDuration = Meter.CreateHistogram<double>(
        RelayDurationName, unit: "s", description: "Time one SMTP relay to a downstream took, connect to reply, by downstream and result");

    private static readonly Counter<long> Retries = Meter.CreateCounter<long>(RetriesName, unit: "{retry}", description: "Delivery retries scheduled, by the attempt they will be");

    private static readonly Counter<long> DeadLetters = Meter.CreateCounter<long>(DeadLettersName, unit: "{mail}", description: "Mails dead-lettered, by reason");

    private static readonly Histogram<double> ProcessDuration = Meter.CreateHistogram<double>(
        ProcessDurationName, unit: "s", description: "Duration of processing operation");

    private static readonly Counter<long> SentMessages = Meter.CreateCounter<long>(SentMessagesName, unit: "{message}", description: "Number of messages producer attempted to send to the broker");

    // The gauges are read by listeners through the meter, never here; the fields keep their creation next to the others.
    private static readonly ObservableGauge<int> ReleaseSets = Meter.CreateObservableGauge(
        ReleaseSetsName, ObserveReleaseSets, unit: "{set}", description: "The pattern sets serving on this instance, by version and role");

    private static readonly ObservableGauge<double> CanaryShare = Meter.CreateObservableGauge(
        CanaryShareName, ObserveCanaryShare, unit: "1", description: "The share of mail the canary set scans");

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
        var versionTag = new KeyValuePair<string, object?>(TelemetryAttributes.SetVersion, version);
        var roleTag = new KeyValuePair<string, object?>(TelemetryAttributes.SetRole, TagValue(role));
        var actionTag = new KeyValuePair<string, object?>(TelemetryAttributes.VerdictAction, TagValue(result.Action));
        ScanDuration.Record(
            result.Elapsed.TotalSeconds, versionTag, roleTag, actionTag, new KeyValuePair<string, object?>(TelemetryAttributes.ScanIncomplete, result.Incomplete));
        Scans.Add(1, versionTag, roleTag, actionTag);
        foreach (var reason in IncompleteReasons(result.IncompleteCauses))
        {
            IncompleteScans.Add(1, versionTag, roleTag, new KeyValuePair<string, object?>(TelemetryAttributes.IncompleteReason, reason));
        }

        foreach (var cost in result.RuleCosts ?? [])
        {
            RuleDuration.Record(cost.Elapsed.TotalSeconds, new KeyValuePair<string, object?>(TelemetryAttributes.RuleId, cost.RuleId), versionTag);
        }
    }

    /// <summary>The tag values of the causes of an incomplete scan, one per cause: <c>deadline</c>, <c>message-cap</c>, ...</summary>
    /// <param name="causes">The scan's causes.</param>
    public static string[] IncompleteReasons(IncompleteCauses causes) =>
        causes == IncompleteCauses.None ? [] : [.. IncompleteCauseValues.Where(cause => causes.HasFlag(cause)).Select(cause => TagValue(cause))];

    /// <summary>Counts one mail over the pipeline's size cap, which no set scanned.</summary>
    public static void Oversized() =>
        IncompleteScans.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.IncompleteReason, "oversized"));

    /// <summary>Records one relay to a downstream.</summary>
    /// <param name="host">The downstream's host.</param>
    /// <param name="port">The downstream's port.</param>
    /// <param name="result"><c>accepted</c>, <c>refused</c> or <c>failed</c>.</param>
    /// <param name="elapsed">How long it took.</param>
    public static void Relayed(string host, int port, string result, TimeSpan elapsed) =>
        RelayDuration.Record(
            elapsed.TotalSeconds,
            new KeyValuePair<string, object?>(TelemetryAttributes.ServerAddress, host),
            new KeyValuePair<string, object?>(TelemetryAttributes.ServerPort, port),
            new KeyValuePair<string, object?>(TelemetryAttributes.RelayResult, result));

    /// <summary>Counts one scheduled retry.</summary>
    /// <param name="attempt">The attempt the retry will be.</param>
    public static void RetryScheduled(int attempt) =>
        Retries.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.DeliveryAttempt, attempt));

    /// <summary>Counts one dead-lettered mail.</summary>
    /// <param name="reason">The dead-letter reason.</param>
    public static void DeadLettered(string reason) =>
        DeadLetters.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.DeadLetterReason, reason));

    /// <summary>Records one processed message, per the messaging conventions.</summary>
    /// <param name="queue">The queue.</param>
    /// <param name="elapsed">How long processing took.</param>
    /// <param name="errorType">The exception type when processing threw; null otherwise.</param>
    public static void Processed(string queue, TimeSpan elapsed, string? errorType)
    {
        var tags = new TagList
        {
            { TelemetryAttributes.MessagingSystem, TelemetryAttributes.ServiceBusSystem },
            { TelemetryAttributes.MessagingOperationName, "process" },
            { TelemetryAttributes.MessagingDestination, queue },
        };
        if (errorType is not null)
        {
            tags.Add(TelemetryAttributes.ErrorType, errorType);
        }

        ProcessDuration.Record(elapsed.TotalSeconds, tags);
    }

    /// <summary>Counts one message sent, per the messaging conventions.</summary>
    /// <param name="queue">The queue.</param>
    public static void Sent(string queue) =>
        SentMessages.Add(
            1,
            new KeyValuePair<string, object?>(TelemetryAttributes.MessagingSystem, TelemetryAttributes.ServiceBusSystem),
            new KeyValuePair<string, object?>(TelemetryAttributes.MessagingOperationName, "send"),
            new KeyValuePair<string, object?>(TelemetryAttributes.MessagingDestination, queue));

    /// <summary>Reports the sets an owner serves on the release-state gauges, for as long as the owner lives.</summary>
    /// <param name="owner">The instance's pattern-set provider.</param>
    /// <param name="servingSets">Reads the sets it serves now.</param>
    public static void ObserveReleaseState(object owner, Func<IEnumerable<ServingSet>> servingSets) => ReleaseSources.AddOrUpdate(owner, servingSets);

    private static IEnumerable<ServingSet> AllServingSets() => ReleaseSources.SelectMany(source => source.Value());

    private static IEnumerable<Measurement<int>> ObserveReleaseSets() =>
        AllServingSets().Select(set => new Measurement<int>(
            1,
            new KeyValuePair<string, object?>(TelemetryAttributes.SetVersion, set.Version),
            new KeyValuePair<string, object?>(TelemetryAttributes.SetRole, TagValue(set.Role))));

    private static IEnumerable<Measurement<double>> ObserveCanaryShare() =>
        AllServingSets().Where(set => set.Role == ScanRole.Canary).Select(set => new Measurement<double>(
            set.Share, new KeyValuePair<string, object?>(TelemetryAttributes.SetVersion, set.Version)));

    /// <summary>Counts one accepted mail.</summary>
    /// <param name="door">The ingress: <see cref="Smtp.SmtpIngress.IngressName"/> or <see cref="HttpIngest.IngressName"/>.</param>
    public static void Accepted(string door) =>
        IngressAccepted.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.IngressDoor, door));

    /// <summary>Counts one refusal.</summary>
    /// <param name="door">The ingress: <see cref="Smtp.SmtpIngress.IngressName"/> or <see cref="HttpIngest.IngressName"/>.</param>
    /// <param name="reason">Why.</param>
    public static void Refused(string door, IngestRefusal reason) =>
        IngressRefused.Add(
            1,
            new KeyValuePair<string, object?>(TelemetryAttributes.IngressDoor, door),
            new KeyValuePair<string, object?>(TelemetryAttributes.IngressReason, TagValue(reason)));

    /// <summary>Counts one handled claim-check message.</summary>
    /// <param name="result">What the delivery stage did with it, as <see cref="TagValue"/> names it (a <c>DeliveryResult</c>).</param>
    public static void Handled(string result) =>
        Deliveries.Add(1, new KeyValuePair<string, object?>(TelemetryAttributes.DeliveryResult, result));

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

/// <summary>A set serving on this instance, as the release-state gauges report it.</summary>
/// <param name="Version">The set's version.</param>
/// <param name="Role">Active or canary.</param>
/// <param name="Share">The share of mail it scans, 0 to 1.</param>
public readonly record struct ServingSet(string Version, ScanRole Role, double Share);
