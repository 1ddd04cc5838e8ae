using System.Text.Json.Serialization;

namespace Prefilter.Pipeline.Stats;

/// <summary>
/// Scan figures of one pattern set over some time: how many mails, their cost histogram, deadline hits, incomplete
/// scans and the verdict mix. Immutable; <see cref="Merge"/> adds two of them exactly (counts and buckets add), so
/// figures of many instances and windows combine into one without loss.
/// </summary>
public sealed class ScanStats
{
    private readonly long[] costBuckets;

    /// <summary>Creates figures.</summary>
    /// <param name="count">Mails scanned.</param>
    /// <param name="deadlineHits">Scans the per-message deadline stopped.</param>
    /// <param name="incomplete">Scans that did not cover all of the mail or all rules (deadline hits included).</param>
    /// <param name="deliverCount">Verdicts <c>Deliver</c>.</param>
    /// <param name="tagCount">Verdicts <c>Tag</c>.</param>
    /// <param name="quarantineCount">Verdicts <c>Quarantine</c>.</param>
    /// <param name="totalCost">Sum of the scans' costs.</param>
    /// <param name="costBuckets">Counts per bucket of <see cref="CostHistogram"/>; copied.</param>
    /// <exception cref="ArgumentException">A count is negative, or the buckets do not have the layout's length.</exception>
    public ScanStats(long count, long deadlineHits, long incomplete, long deliverCount, long tagCount, long quarantineCount, TimeSpan totalCost, IReadOnlyList<long> costBuckets)
    {
        ArgumentNullException.ThrowIfNull(costBuckets);
        if (costBuckets.Count != CostHistogram.BucketCount)
        {
            throw new ArgumentException($"a cost histogram has {CostHistogram.BucketCount} buckets ({CostHistogram.Layout}), not {costBuckets.Count}", nameof(costBuckets));
        }

        if (count < 0 || deadlineHits < 0 || incomplete < 0 || deliverCount < 0 || tagCount < 0 || quarantineCount < 0 || totalCost < TimeSpan.Zero || costBuckets.Any(bucket => bucket < 0))
        {
            throw new ArgumentException("scan counts and costs cannot be negative");
        }

        Count = count;
        DeadlineHits = deadlineHits;
        Incomplete = incomplete;
        DeliverCount = deliverCount;
        TagCount = tagCount;
        QuarantineCount = quarantineCount;
        TotalCost = totalCost;
        this.costBuckets = [.. costBuckets];
    }

    /// <summary>No scans.</summary>
    public static ScanStats Empty { get; } = new(0, 0, 0, 0, 0, 0, TimeSpan.Zero, new long[CostHistogram.BucketCount]);

    /// <summary>Mails scanned.</summary>
    public long Count { get; }

    /// <summary>Scans the per-message deadline stopped (<c>ScanResult.DeadlineExceeded</c>).</summary>
    public long DeadlineHits { get; }

    /// <summary>Scans that did not cover all of the mail or all rules (<c>ScanResult.Incomplete</c>; deadline hits included).</summary>
    public long Incomplete { get; }

    /// <summary>Verdicts <c>Deliver</c>.</summary>
    public long DeliverCount { get; }

    /// <summary>Verdicts <c>Tag</c>.</summary>
    public long TagCount { get; }

    /// <summary>Verdicts <c>Quarantine</c>.</summary>
    public long QuarantineCount { get; }

    /// <summary>Sum of the scans' costs.</summary>
    public TimeSpan TotalCost { get; }

    /// <summary>Counts per bucket of <see cref="CostHistogram"/>.</summary>
    [JsonIgnore]
    public IReadOnlyList<long> CostBuckets => costBuckets;

    /// <summary>Share (0–1) of mails flagged: tagged or quarantined; 0 without scans.</summary>
    public double FlaggedShare => Count == 0 ? 0 : (double)(TagCount + QuarantineCount) / Count;

    /// <summary>Estimated median cost (see <see cref="Quantile"/>).</summary>
    public TimeSpan P50 => Quantile(0.5);

    /// <summary>Estimated 99th percentile cost (see <see cref="Quantile"/>).</summary>
    public TimeSpan P99 => Quantile(0.99);

    /// <summary>
    /// Estimates a cost quantile from the histogram: the bucket holding the quantile's rank is found exactly, and the
    /// estimate lies within that bucket (interpolated geometrically by rank). Zero without scans.
    /// </summary>
    /// <param name="quantile">Between 0 and 1, e.g. 0.99.</param>
    /// <exception cref="ArgumentOutOfRangeException">The quantile is outside [0, 1].</exception>
    public TimeSpan Quantile(double quantile)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(quantile, 0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(quantile, 1);
        var total = costBuckets.Sum();
        if (total == 0)
        {
            return TimeSpan.Zero;
        }

        // The rank of the quantile among the sorted costs, 1-based (nearest-rank definition).
        var rank = Math.Max(1, (long)Math.Ceiling(quantile * total));
        long before = 0;
        for (var bucket = 0; bucket < costBuckets.Length; bucket++)
        {
            var inBucket = costBuckets[bucket];
            if (before + inBucket < rank)
            {
                before += inBucket;
                continue;
            }

            var lower = CostHistogram.LowerBound(bucket);
            if (bucket == 0 || bucket == CostHistogram.BucketCount - 1)
            {
                return bucket == 0 ? CostHistogram.UpperBound(0) / 2 : lower;
            }

            var upper = CostHistogram.UpperBound(bucket);
            var position = (rank - before - 0.5) / inBucket;
            var ticks = lower.Ticks * Math.Pow((double)upper.Ticks / lower.Ticks, position);
            return TimeSpan.FromTicks(Math.Clamp((long)ticks, lower.Ticks, upper.Ticks - 1));
        }

        throw new InvalidOperationException("unreachable: the rank is within the total");
    }

    /// <summary>The figures of both: every count and bucket added.</summary>
    /// <param name="other">Figures of the same set from another instance or window.</param>
    public ScanStats Merge(ScanStats other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var buckets = new long[CostHistogram.BucketCount];
        for (var i = 0; i < buckets.Length; i++)
        {
            buckets[i] = costBuckets[i] + other.costBuckets[i];
        }

        return new ScanStats(
            Count + other.Count,
            DeadlineHits + other.DeadlineHits,
            Incomplete + other.Incomplete,
            DeliverCount + other.DeliverCount,
            TagCount + other.TagCount,
            QuarantineCount + other.QuarantineCount,
            TotalCost + other.TotalCost,
            buckets);
    }

    /// <inheritdoc />
    public override string ToString() =>
        $"{Count} scans, p50 {P50.TotalMilliseconds:0.###} ms, p99 {P99.TotalMilliseconds:0.###} ms, {DeadlineHits} deadline hits, {Incomplete} incomplete, flagged {FlaggedShare * 100:0.##} %";
}
