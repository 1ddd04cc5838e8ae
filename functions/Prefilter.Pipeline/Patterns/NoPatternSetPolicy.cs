namespace Prefilter.Pipeline.Patterns;

/// <summary>What the scan stage does while no pattern set at all can be loaded (none activated yet, or the first load failed).</summary>
public enum NoPatternSetPolicy
{
    /// <summary>
    /// Default. The scan throws <see cref="PatternSetUnavailableException"/> (retryable): the mail stays in
    /// <c>incoming/</c> without an outcome, the blob trigger retries, and the reconciler re-drives it once a set
    /// is available. Nothing is lost and nothing is delivered unscanned.
    /// </summary>
    Hold,

    /// <summary>
    /// Deliver without scanning, marked incomplete with the reason. For operators who prefer delay-free mail
    /// over filtering during an outage; explicit opt-in.
    /// </summary>
    DeliverUnscanned,
}
