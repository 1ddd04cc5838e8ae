namespace Prefilter.Pipeline;

/// <summary>Which part a set played when it scanned a mail.</summary>
public enum ScanRole
{
    /// <summary>The active set: all mail the canary does not take.</summary>
    Active,

    /// <summary>The canary: a deterministic share of mail during a staged release.</summary>
    Canary,
}
