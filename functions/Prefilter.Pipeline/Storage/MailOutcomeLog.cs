using System.Globalization;
using Microsoft.Extensions.Logging;
using Prefilter.Pipeline.Scanning;

namespace Prefilter.Pipeline.Storage;

/// <summary>
/// The one log line a mail gets when it reaches its final outcome (quarantined, delivered, dead-lettered): id, sender,
/// recipients, action, score, set version and the time since the ingress accepted it.
/// </summary>
public static partial class MailOutcomeLog
{
    /// <summary>The line's event id, the same from every stage.</summary>
    public const int EventId = 100;

    /// <summary>Writes the line (at Information; a dead letter at Warning, with its reason).</summary>
    /// <param name="logger">The stage's log.</param>
    /// <param name="mail">The mail's blob as it was read.</param>
    /// <param name="envelope">The mail's envelope, when it could be read.</param>
    /// <param name="outcome">The final outcome.</param>
    /// <param name="verdict">The scan's verdict, when there was one.</param>
    /// <param name="now">The time the outcome was recorded.</param>
    /// <param name="reason">Why, for a dead letter.</param>
    public static void Write(ILogger logger, MailBlobInfo mail, MailEnvelope? envelope, MailOutcome outcome, ScanVerdict? verdict, DateTimeOffset now, string? reason = null)
    {
        ArgumentNullException.ThrowIfNull(logger);
        ArgumentNullException.ThrowIfNull(mail);
        var received = mail.Metadata.TryGetValue(MailMetadata.Received, out var text) &&
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : mail.CreatedOn;
        var elapsedMs = Math.Max(0, (long)(now - received).TotalMilliseconds);
        var from = envelope is null ? "?" : envelope.MailFrom.Length == 0 ? "<>" : envelope.MailFrom;
        var to = envelope is null ? "?" : string.Join(",", envelope.Recipients);
        var action = verdict?.Action.ToString() ?? "none";
        var score = verdict?.Score ?? 0;
        var version = verdict?.SetVersion ?? "none";
        if (outcome == MailOutcome.DeadLettered)
        {
            LogDeadLettered(logger, mail.Name, from, to, action, score, version, elapsedMs, reason ?? "no reason given");
        }
        else
        {
            LogOutcome(logger, mail.Name, outcome, from, to, action, score, version, elapsedMs);
        }
    }

    [LoggerMessage(EventId = EventId, Level = LogLevel.Information, Message = "Mail {MailId} {Outcome}: from {MailFrom} to {Recipients}, {Action} score {Score}, set {SetVersion}, {ElapsedMs} ms")]
    private static partial void LogOutcome(ILogger logger, string mailId, MailOutcome outcome, string mailFrom, string recipients, string action, double score, string setVersion, long elapsedMs);

    [LoggerMessage(EventId = EventId, Level = LogLevel.Warning, Message = "Mail {MailId} DeadLettered: from {MailFrom} to {Recipients}, {Action} score {Score}, set {SetVersion}, {ElapsedMs} ms: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, string mailId, string mailFrom, string recipients, string action, double score, string setVersion, long elapsedMs, string reason);
}
