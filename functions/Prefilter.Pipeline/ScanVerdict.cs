using Prefilter.Engine.PatternSets;

namespace Prefilter.Pipeline;

/// <summary>The verdict the scan stage gives a mail: recorded on its blob and carried by its claim check.</summary>
public sealed record ScanVerdict
{
    /// <summary>What happens to the mail under the pattern set's thresholds.</summary>
    public required VerdictAction Action { get; init; }

    /// <summary>Total score.</summary>
    public required double Score { get; init; }

    /// <summary>Ids of the rules that hit, in the order the engine reported them.</summary>
    public required IReadOnlyList<string> Rules { get; init; }

    /// <summary>Digest of the pattern set that scanned the mail; empty when the mail was not scanned.</summary>
    public required string SetDigest { get; init; }

    /// <summary>Version of the set that scanned the mail; null when unscanned.</summary>
    public string? SetVersion { get; init; }

    /// <summary>True when a budget (deadline, size cap) or a policy cut the scan short or skipped it.</summary>
    public bool Incomplete { get; init; }

    /// <summary>Why the verdict is incomplete or unscanned; null for a complete scan.</summary>
    public string? Reason { get; init; }
}
