using System.Diagnostics;

namespace Prefilter.Pipeline.Telemetry;

/// <summary>
/// Carries a mail's W3C trace context from one stage to the next: on the mail blob's metadata (ingress to scan) and on
/// the claim-check message's application properties (scan to delivery), so each stage's span is a child of the one
/// before it even when they run in different processes.
/// </summary>
/// <remarks>
/// On Service Bus the context goes where the Azure SDK puts it: <c>Diagnostic-Id</c> (read by the SDK's own
/// instrumentation and by Application Insights) and <c>traceparent</c>, both the W3C <c>traceparent</c> value.
/// </remarks>
public static class MailTraceContext
{
    /// <summary>The W3C <c>traceparent</c> key, on blob metadata and message properties.</summary>
    public const string TraceParent = "traceparent";

    /// <summary>The W3C <c>tracestate</c> key, written when the activity has one.</summary>
    public const string TraceState = "tracestate";

    /// <summary>The application property the Azure Service Bus SDK writes the context to.</summary>
    public const string DiagnosticId = "Diagnostic-Id";

    /// <summary>Writes <paramref name="activity"/>'s context into blob metadata; nothing when there is no activity.</summary>
    /// <param name="activity">The span whose children the next stage starts.</param>
    /// <param name="metadata">The blob's metadata.</param>
    public static void Inject(Activity? activity, IDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id })
        {
            metadata[TraceParent] = id;
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                metadata[TraceState] = activity.TraceStateString;
            }
        }
    }

    /// <summary>Writes <paramref name="activity"/>'s context into a message's application properties; nothing when there is no activity.</summary>
    /// <param name="activity">The span whose children the consumer starts.</param>
    /// <param name="properties">The message's application properties.</param>
    public static void Inject(Activity? activity, IDictionary<string, object> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        if (activity is { IdFormat: ActivityIdFormat.W3C, Id: { } id })
        {
            properties[DiagnosticId] = id;
            properties[TraceParent] = id;
            if (!string.IsNullOrEmpty(activity.TraceStateString))
            {
                properties[TraceState] = activity.TraceStateString;
            }
        }
    }

    /// <summary>Reads the context from blob metadata.</summary>
    /// <param name="metadata">The blob's metadata.</param>
    /// <returns>The remote parent, or <c>default</c> when none (or a malformed one) was written.</returns>
    public static ActivityContext Extract(IReadOnlyDictionary<string, string> metadata)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.TryGetValue(TraceParent, out var parent)
            ? Parse(parent, metadata.GetValueOrDefault(TraceState))
            : default;
    }

    /// <summary>Reads the context from a message's application properties: <c>traceparent</c>, else <c>Diagnostic-Id</c>.</summary>
    /// <param name="properties">The message's application properties.</param>
    /// <returns>The remote parent, or <c>default</c> when none (or a malformed one) was written.</returns>
    public static ActivityContext Extract(IReadOnlyDictionary<string, object> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        var parent = properties.TryGetValue(TraceParent, out var value) || properties.TryGetValue(DiagnosticId, out value) ? value as string : null;
        return parent is null ? default : Parse(parent, properties.GetValueOrDefault(TraceState) as string);
    }

    private static ActivityContext Parse(string traceParent, string? traceState) =>
        ActivityContext.TryParse(traceParent, traceState, isRemote: true, out var context) ? context : default;
}
