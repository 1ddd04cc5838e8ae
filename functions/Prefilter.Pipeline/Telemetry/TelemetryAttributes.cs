namespace Prefilter.Pipeline.Telemetry;

/// <summary>
/// The attribute (tag) names the pipeline's spans and metrics carry. OpenTelemetry's semantic conventions name what
/// they cover (<c>messaging.*</c>, <c>server.*</c>, <c>error.type</c>); the rest is the project's, under <c>prefilter.</c>.
/// </summary>
public static class TelemetryAttributes
{
    /// <summary>The pattern set's version.</summary>
    public const string SetVersion = "prefilter.set.version";

    /// <summary>The part the set plays: <c>active</c> or <c>canary</c>.</summary>
    public const string SetRole = "prefilter.set.role";

    /// <summary>The verdict's action: <c>deliver</c>, <c>tag</c>, <c>quarantine</c>.</summary>
    public const string VerdictAction = "prefilter.verdict.action";

    /// <summary>The verdict's score.</summary>
    public const string VerdictScore = "prefilter.verdict.score";

    /// <summary>Whether the scan was incomplete.</summary>
    public const string ScanIncomplete = "prefilter.scan.incomplete";

    /// <summary>What made a scan incomplete: <c>deadline</c>, <c>message-cap</c>, <c>regex-timeout</c>, <c>regex-failed</c>, <c>unreadable</c>, <c>oversized</c>.</summary>
    public const string IncompleteReason = "prefilter.scan.incomplete_reason";

    /// <summary>A rule's id.</summary>
    public const string RuleId = "prefilter.rule.id";

    /// <summary>The mail's id: its blob name in the incoming container.</summary>
    public const string MailId = "prefilter.mail.id";

    /// <summary>The mail's outcome after a stage (<c>scanned</c>, <c>quarantined</c>, <c>delivered</c>, <c>dead-lettered</c>).</summary>
    public const string MailOutcome = "prefilter.mail.outcome";

    /// <summary>The number of envelope recipients.</summary>
    public const string Recipients = "prefilter.mail.recipients";

    /// <summary>The ingress that accepted or refused mail: <c>smtp</c>, <c>http</c>.</summary>
    public const string IngressDoor = "prefilter.ingress.door";

    /// <summary>Why an ingress refused.</summary>
    public const string IngressReason = "prefilter.ingress.reason";

    /// <summary>What the delivery stage did with a claim check: <c>delivered</c>, <c>already-settled</c>, <c>retry-scheduled</c>, <c>dead-lettered</c>.</summary>
    public const string DeliveryResult = "prefilter.delivery.result";

    /// <summary>The attempt a scheduled retry will be.</summary>
    public const string DeliveryAttempt = "prefilter.delivery.attempt";

    /// <summary>The dead-letter reason (<c>DownstreamRejected</c>, <c>DeliveryRetriesExhausted</c>, ...), as on the Service Bus message.</summary>
    public const string DeadLetterReason = "prefilter.dead_letter.reason";

    /// <summary>How a relay ended: <c>accepted</c>, <c>refused</c> (5xx), <c>failed</c> (4xx, unreachable; retried).</summary>
    public const string RelayResult = "prefilter.relay.result";

    /// <summary>The downstream's SMTP reply code when it refused or deferred the mail.</summary>
    public const string SmtpReplyCode = "prefilter.smtp.reply_code";

    /// <summary>Semantic conventions: the messaging system, <c>servicebus</c>.</summary>
    public const string MessagingSystem = "messaging.system";

    /// <summary>Semantic conventions: <c>send</c> or <c>process</c>.</summary>
    public const string MessagingOperationType = "messaging.operation.type";

    /// <summary>Semantic conventions: the operation's name, as the system calls it.</summary>
    public const string MessagingOperationName = "messaging.operation.name";

    /// <summary>Semantic conventions: the queue.</summary>
    public const string MessagingDestination = "messaging.destination.name";

    /// <summary>Semantic conventions: the message id.</summary>
    public const string MessagingMessageId = "messaging.message.id";

    /// <summary>Semantic conventions: Service Bus delivery count.</summary>
    public const string ServiceBusDeliveryCount = "messaging.servicebus.message.delivery_count";

    /// <summary>Semantic conventions: how a Service Bus message was settled: <c>complete</c> or <c>dead_letter</c>.</summary>
    public const string ServiceBusDisposition = "messaging.servicebus.disposition_status";

    /// <summary>Semantic conventions: the peer's host name (the Service Bus namespace, the downstream MTA).</summary>
    public const string ServerAddress = "server.address";

    /// <summary>Semantic conventions: the peer's port.</summary>
    public const string ServerPort = "server.port";

    /// <summary>Semantic conventions: the protocol, <c>smtp</c>.</summary>
    public const string NetworkProtocol = "network.protocol.name";

    /// <summary>Semantic conventions: the class of error a failed operation ended with.</summary>
    public const string ErrorType = "error.type";

    /// <summary>The <see cref="MessagingSystem"/> value for Azure Service Bus.</summary>
    public const string ServiceBusSystem = "servicebus";
}
