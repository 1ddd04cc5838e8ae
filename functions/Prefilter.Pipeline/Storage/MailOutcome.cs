namespace Prefilter.Pipeline.Storage;

/// <summary>Where a mail stands, recorded on its blob so that every accepted mail can be counted.</summary>
public enum MailOutcome
{
    /// <summary>Scanned and handed to the delivery queue; not final.</summary>
    Scanned,

    /// <summary>Copied to quarantine and not relayed. Final.</summary>
    Quarantined,

    /// <summary>Accepted by the downstream (SMTP 250). Final.</summary>
    Delivered,

    /// <summary>Given up with a reason (downstream 5xx, no envelope, too many attempts). Final.</summary>
    DeadLettered,
}

/// <summary>Helpers on <see cref="MailOutcome"/>.</summary>
public static class MailOutcomeExtensions
{
    /// <summary>True when nothing more happens to the mail; the scan stage and reconciler leave it alone.</summary>
    /// <param name="outcome">The recorded outcome.</param>
    public static bool IsFinal(this MailOutcome outcome) => outcome != MailOutcome.Scanned;
}
