using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Reconciliation;

/// <summary>When the reconciler re-drives a mail; bound from the <c>Reconciler</c> section.</summary>
public sealed class ReconcilerOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Reconciler";

    /// <summary>
    /// A mail without an outcome this long after it was stored is scanned again. Longer than a normal scan plus the
    /// trigger's retries, so the reconciler does not race the blob trigger. Default 5 minutes.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan MinimumAge { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How far back the reconciler looks (mail names start with their UTC day). Default 2 days.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "31.00:00:00")]
    public TimeSpan Lookback { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Most mails re-driven per run, so one run stays within a timer function's time limit. Default 500.</summary>
    [Range(1, 100_000)]
    public int MaxPerRun { get; set; } = 500;
}
