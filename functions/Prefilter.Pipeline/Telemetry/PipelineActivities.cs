using System.Diagnostics;
using Azure.Messaging.ServiceBus;

namespace Prefilter.Pipeline.Telemetry;

/// <summary>
/// The pipeline's spans: one trace per mail, <c>ingress</c> → <c>scan</c> → <c>send deliver</c> →
/// <c>process deliver</c> → <c>relay</c>, on the activity source <see cref="SourceName"/> (add it with an OpenTelemetry
/// <c>AddSource</c>). Each stage's span is a child of the one before it, across processes, through the context
/// <see cref="MailTraceContext"/> carries. Spans are only created when something listens.
/// </summary>
public static class PipelineActivities
{
    /// <summary>The activity source's name (the same as the meter's).</summary>
    public const string SourceName = PipelineMetrics.MeterName;

    /// <summary>The span of a mail's acceptance: the door stores it in <c>incoming/</c> (producer).</summary>
    public const string IngressName = "ingress";

    /// <summary>The span of a mail's scan, a child of its ingress span.</summary>
    public const string ScanName = "scan";

    /// <summary>The span of one relay to a downstream MTA over SMTP (client).</summary>
    public const string RelayName = "relay";

    private static readonly ActivitySource Source = new(SourceName);

    /// <summary>The span name of sending a claim check: <c>send {queue}</c>, as the messaging conventions name it.</summary>
    /// <param name="queue">The queue.</param>
    public static string SendName(string queue) => $"send {queue}";

    /// <summary>The span name of processing a claim check: <c>process {queue}</c>.</summary>
    /// <param name="queue">The queue.</param>
    public static string ProcessName(string queue) => $"process {queue}";

    /// <summary>Starts a mail's ingress span under the current activity (a request's, or none).</summary>
    /// <param name="door">The ingress.</param>
    /// <param name="size">The mail's size in bytes.</param>
    /// <param name="recipients">The number of envelope recipients.</param>
    public static Activity? StartIngress(string door, long size, int recipients)
    {
        var activity = Source.StartActivity(IngressName, ActivityKind.Producer);
        activity?.SetTag(TelemetryAttributes.IngressDoor, door)
            .SetTag("messaging.message.body.size", size)
            .SetTag(TelemetryAttributes.Recipients, recipients);
        return activity;
    }

    /// <summary>Starts a mail's scan span, a child of the ingress span whose context is on the blob.</summary>
    /// <param name="mailId">The mail's blob name.</param>
    /// <param name="metadata">The blob's metadata, which holds the trace context.</param>
    /// <param name="startTime">When the scan started (before the blob was read).</param>
    public static Activity? StartScan(string mailId, IReadOnlyDictionary<string, string> metadata, DateTimeOffset startTime)
    {
        var activity = Source.StartActivity(ActivityKind.Consumer, MailTraceContext.Extract(metadata), startTime: startTime, name: ScanName);
        activity?.SetTag(TelemetryAttributes.MailId, mailId);
        return activity;
    }

    /// <summary>Starts the span of sending one message to a queue, under the current (scan) span.</summary>
    /// <param name="client">The Service Bus client (its namespace is the server).</param>
    /// <param name="queue">The queue.</param>
    /// <param name="messageId">The message's id.</param>
    public static Activity? StartSend(ServiceBusClient client, string queue, string messageId)
    {
        ArgumentNullException.ThrowIfNull(client);
        var activity = Source.StartActivity(SendName(queue), ActivityKind.Producer);
        activity?.SetTag(TelemetryAttributes.MessagingSystem, TelemetryAttributes.ServiceBusSystem)
            .SetTag(TelemetryAttributes.MessagingOperationType, "send")
            .SetTag(TelemetryAttributes.MessagingOperationName, "send")
            .SetTag(TelemetryAttributes.MessagingDestination, queue)
            .SetTag(TelemetryAttributes.MessagingMessageId, messageId)
            .SetTag(TelemetryAttributes.ServerAddress, client.FullyQualifiedNamespace);
        return activity;
    }

    /// <summary>Starts the span of processing one received message, a child of the span that sent it.</summary>
    /// <param name="client">The Service Bus client.</param>
    /// <param name="queue">The queue.</param>
    /// <param name="message">The received message.</param>
    public static Activity? StartProcess(ServiceBusClient client, string queue, ServiceBusReceivedMessage message)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(message);
        var activity = Source.StartActivity(ProcessName(queue), ActivityKind.Consumer, MailTraceContext.Extract(message.ApplicationProperties));
        activity?.SetTag(TelemetryAttributes.MessagingSystem, TelemetryAttributes.ServiceBusSystem)
            .SetTag(TelemetryAttributes.MessagingOperationType, "process")
            .SetTag(TelemetryAttributes.MessagingOperationName, "process")
            .SetTag(TelemetryAttributes.MessagingDestination, queue)
            .SetTag(TelemetryAttributes.MessagingMessageId, message.MessageId)
            .SetTag(TelemetryAttributes.ServiceBusDeliveryCount, message.DeliveryCount)
            .SetTag(TelemetryAttributes.ServerAddress, client.FullyQualifiedNamespace);
        return activity;
    }

    /// <summary>Starts the span of one relay to a downstream, under the current (process) span.</summary>
    /// <param name="host">The downstream's host.</param>
    /// <param name="port">The downstream's port.</param>
    /// <param name="recipients">The recipients relayed to.</param>
    public static Activity? StartRelay(string host, int port, int recipients)
    {
        var activity = Source.StartActivity(RelayName, ActivityKind.Client);
        activity?.SetTag(TelemetryAttributes.NetworkProtocol, "smtp")
            .SetTag(TelemetryAttributes.ServerAddress, host)
            .SetTag(TelemetryAttributes.ServerPort, port)
            .SetTag(TelemetryAttributes.Recipients, recipients);
        return activity;
    }

    /// <summary>Marks a span failed with the exception's type as <c>error.type</c>.</summary>
    /// <param name="activity">The span, if any.</param>
    /// <param name="exception">What failed.</param>
    public static void Failed(Activity? activity, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message)
            .SetTag(TelemetryAttributes.ErrorType, exception.GetType().FullName);
    }
}
