namespace Prefilter.Pipeline.Stats;

/// <summary>
/// The fixed bucket layout of scan cost histograms: four buckets per doubling from 10 µs, so every instance counts
/// into the same buckets and histograms add up exactly; a quantile read from merged buckets is off by at most one
/// bucket's width (about 19 %).
/// </summary>
/// <remarks>
/// Bucket 0 holds costs below 10 µs; bucket <c>i</c> (1 … <see cref="BucketCount"/> − 2) holds
/// [10 µs·2^((i−1)/4), 10 µs·2^(i/4)); the last bucket holds everything from about 237 s on. A layout change must
/// change <see cref="Layout"/>: stored rows carry it, and rows of another layout are refused rather than mis-added.
/// </remarks>
public static class CostHistogram
{
    /// <summary>Number of buckets.</summary>
    public const int BucketCount = 100;

    /// <summary>Name of this layout, stored with every histogram.</summary>
    public const string Layout = "log2x4-10us-100";

    private const int BucketsPerDoubling = 4;
    private const double FirstBoundTicks = 100; // 10 µs

    /// <summary>The bucket a cost falls into.</summary>
    /// <param name="cost">The cost; negative counts as zero.</param>
    public static int BucketOf(TimeSpan cost)
    {
        if (cost.Ticks < FirstBoundTicks)
        {
            return 0;
        }

        var index = (int)Math.Floor(Math.Log2(cost.Ticks / FirstBoundTicks) * BucketsPerDoubling) + 1;
        return Math.Min(index, BucketCount - 1);
    }

    /// <summary>The smallest cost of a bucket.</summary>
    /// <param name="bucket">Bucket index.</param>
    /// <exception cref="ArgumentOutOfRangeException">Not a bucket of the layout.</exception>
    public static TimeSpan LowerBound(int bucket)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, BucketCount);
        return bucket == 0 ? TimeSpan.Zero : Bound(bucket - 1);
    }

    /// <summary>The cost where a bucket ends (exclusive); the last bucket has no end and answers <see cref="TimeSpan.MaxValue"/>.</summary>
    /// <param name="bucket">Bucket index.</param>
    /// <exception cref="ArgumentOutOfRangeException">Not a bucket of the layout.</exception>
    public static TimeSpan UpperBound(int bucket)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(bucket);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(bucket, BucketCount);
        return bucket == BucketCount - 1 ? TimeSpan.MaxValue : Bound(bucket);
    }

    private static TimeSpan Bound(int exponent) =>
        TimeSpan.FromTicks((long)Math.Ceiling(FirstBoundTicks * Math.Pow(2, (double)exponent / BucketsPerDoubling)));
}
