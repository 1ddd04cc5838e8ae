using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Release;

/// <summary>How the gate corpus samples real traffic; bound from the <c>Corpus</c> section.</summary>
public sealed class GateCorpusOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Corpus";

    /// <summary>
    /// Share of scanned mail (0 to 1) copied into the corpus, chosen by a hash of the mail's id so every instance and
    /// every retry picks the same mail. Default 0.01.
    /// </summary>
    [Range(0.0, 1.0)]
    public double SampleRate { get; set; } = 0.01;

    /// <summary>Sampled mail older than this (by the day it was sampled) is deleted by <see cref="GateCorpus.DeleteExpiredAsync"/>. Default 14 days.</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(14);

    /// <summary>
    /// Largest mail (bytes) kept in the sample. The gate scans every sampled message with two sets on each publish, so
    /// one huge attachment must not dominate its run time; the gate's own adversarial mail covers huge inputs. Default 2 MiB.
    /// </summary>
    [Range(1024, int.MaxValue)]
    public int MaxMessageBytes { get; set; } = 2 * 1024 * 1024;
}
