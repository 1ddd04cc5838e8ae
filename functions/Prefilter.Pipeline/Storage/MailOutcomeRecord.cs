using Prefilter.Pipeline.Scanning;

namespace Prefilter.Pipeline.Storage;

/// <summary>An outcome to record on a mail blob with <see cref="MailStore.RecordOutcomeAsync"/>.</summary>
/// <param name="Outcome">The new outcome.</param>
/// <param name="At">When it happened.</param>
public sealed record MailOutcomeRecord(MailOutcome Outcome, DateTimeOffset At)
{
    /// <summary>Why, in words (dead-letter reason, downstream reply, unscanned reason); null keeps the previous reason.</summary>
    public string? Reason { get; init; }

    /// <summary>The scan verdict; null keeps the verdict recorded earlier (delivery does not change it).</summary>
    public ScanVerdict? Verdict { get; init; }
}
