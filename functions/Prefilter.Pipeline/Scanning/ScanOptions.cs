using System.ComponentModel.DataAnnotations;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;

namespace Prefilter.Pipeline.Scanning;

/// <summary>Pipeline-level limits of the scan stage; bound from the <c>Scanning</c> section.</summary>
public sealed class ScanOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Scanning";

    /// <summary>
    /// Largest mail (bytes) the scan stage downloads and scans. Larger mail is not downloaded into memory; it gets
    /// <see cref="OversizedAction"/> with an incomplete verdict and a reason naming this cap. Default 64 MiB, which
    /// covers the 50 MB mail that mail systems commonly allow while bounding a function instance's memory.
    /// </summary>
    [Range(1024L, 1L << 31)]
    public long MaxMailBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>The action for mail over <see cref="MaxMailBytes"/>. Default <see cref="VerdictAction.Deliver"/> (like SpamAssassin's size limit), marked incomplete.</summary>
    [EnumDataType(typeof(VerdictAction))]
    public VerdictAction OversizedAction { get; set; } = VerdictAction.Deliver;

    /// <summary>Per-message scan deadline given to the engine; a scan that hits it yields an incomplete verdict. Default 2 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:05:00")]
    public TimeSpan Deadline { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// The most memory a set's linear engines may hold before the least recently used are dropped and rebuilt when
    /// next needed (<see cref="ScannerOptions.LinearEngineBudgetBytes"/>). Default 2 GiB; lower it on small instances
    /// for sets that fit, at the cost of rebuilds.
    /// </summary>
    [Range(1L << 20, long.MaxValue)]
    public long LinearEngineBudgetBytes { get; set; } = ScannerOptions.Default.LinearEngineBudgetBytes;

    /// <summary>
    /// The engine options production scans with. The release gate and benchmarks build theirs here too, from the
    /// same configuration, so what they measure is what scans.
    /// </summary>
    /// <param name="timeProvider">Clock for the per-message deadline.</param>
    /// <exception cref="ArgumentNullException"><paramref name="timeProvider"/> is null.</exception>
    public ScannerOptions ToScannerOptions(TimeProvider timeProvider) => new()
    {
        Deadline = Deadline,
        LinearEngineBudgetBytes = LinearEngineBudgetBytes,
        TimeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider)),
    };
}
