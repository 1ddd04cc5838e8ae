namespace Prefilter.Pipeline.Scanning;

/// <summary>What the scan stage did with a blob.</summary>
public enum ScanDisposition
{
    /// <summary>Scanned; a claim check went to the deliver queue (and a quarantine copy if some domains quarantine it).</summary>
    Queued,

    /// <summary>Scanned; every recipient domain quarantines it: copied to quarantine, not relayed.</summary>
    Quarantined,

    /// <summary>The blob already has an outcome; nothing was done (duplicate event, reconciler race).</summary>
    AlreadyHandled,

    /// <summary>Not a mail blob (a companion envelope, a stray file); ignored.</summary>
    NotMail,

    /// <summary>The blob no longer exists; nothing to do.</summary>
    Missing,

    /// <summary>The mail cannot ever be delivered (no or malformed envelope): recorded as dead-lettered with the reason.</summary>
    DeadLettered,
}

/// <summary>The result of <see cref="ScanStage.ScanAsync"/>.</summary>
/// <param name="BlobName">The blob.</param>
/// <param name="Disposition">What was done.</param>
/// <param name="Verdict">The verdict, when the mail was scanned (or passed unscanned by policy).</param>
/// <param name="Reason">Why, for <see cref="ScanDisposition.DeadLettered"/> and <see cref="ScanDisposition.Missing"/>.</param>
public sealed record ScanStageResult(string BlobName, ScanDisposition Disposition, ScanVerdict? Verdict = null, string? Reason = null);
