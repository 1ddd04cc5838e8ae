using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;

namespace Prefilter.Pipeline.Stats;

/// <summary>
/// Counters of one (window, set, role), added to by any number of scanning threads without a lock: each scan is a
/// handful of interlocked increments.
/// </summary>
internal sealed class ScanStatsAccumulator
{
    private readonly long[] buckets = new long[CostHistogram.BucketCount];
    private long count;
    private long deadlineHits;
    private long incomplete;
    private long deliver;
    private long tag;
    private long quarantine;
    private long costTicks;

    /// <summary>The <see cref="ScanStats.Count"/> last written to the table; touched only by the (single) flush.</summary>
    public long FlushedCount { get; set; }

    public void Add(ScanResult result)
    {
        Interlocked.Increment(ref buckets[CostHistogram.BucketOf(result.Elapsed)]);
        Interlocked.Add(ref costTicks, Math.Max(0, result.Elapsed.Ticks));
        if (result.DeadlineExceeded)
        {
            Interlocked.Increment(ref deadlineHits);
        }

        if (result.Incomplete || result.DeadlineExceeded)
        {
            Interlocked.Increment(ref incomplete);
        }

        switch (result.Action)
        {
            case VerdictAction.Deliver:
                Interlocked.Increment(ref deliver);
                break;
            case VerdictAction.Tag:
                Interlocked.Increment(ref tag);
                break;
            case VerdictAction.Quarantine:
                Interlocked.Increment(ref quarantine);
                break;
        }

        // A snapshot taken meanwhile may see part of this scan; flushes write cumulative figures, so the next one settles it.
        Interlocked.Increment(ref count);
    }

    public ScanStats Snapshot()
    {
        var total = Interlocked.Read(ref count);
        var histogram = new long[CostHistogram.BucketCount];
        for (var i = 0; i < histogram.Length; i++)
        {
            histogram[i] = Interlocked.Read(ref buckets[i]);
        }

        return new ScanStats(
            total,
            Interlocked.Read(ref deadlineHits),
            Interlocked.Read(ref incomplete),
            Interlocked.Read(ref deliver),
            Interlocked.Read(ref tag),
            Interlocked.Read(ref quarantine),
            TimeSpan.FromTicks(Interlocked.Read(ref costTicks)),
            histogram);
    }
}
