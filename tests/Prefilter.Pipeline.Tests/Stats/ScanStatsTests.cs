using Azure.Data.Tables;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Tests.Stats;

/// <summary>The histogram and the in-process counters, without storage.</summary>
public sealed class ScanStatsTests
{
    [Fact]
    public void Every_cost_lies_within_the_bounds_of_its_bucket()
    {
        foreach (var cost in StatsData.Costs(1, 5000).Concat([TimeSpan.Zero, TimeSpan.FromTicks(99), TimeSpan.FromTicks(100), TimeSpan.FromTicks(200), TimeSpan.FromHours(1)]))
        {
            var bucket = CostHistogram.BucketOf(cost);
            Assert.InRange(bucket, 0, CostHistogram.BucketCount - 1);
            Assert.True(CostHistogram.LowerBound(bucket) <= cost, $"{cost} below bucket {bucket}");
            Assert.True(cost < CostHistogram.UpperBound(bucket), $"{cost} above bucket {bucket}");
        }

        for (var bucket = 1; bucket < CostHistogram.BucketCount; bucket++)
        {
            Assert.Equal(CostHistogram.UpperBound(bucket - 1), CostHistogram.LowerBound(bucket));
        }
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.99)]
    public void A_quantile_estimate_lies_in_the_bucket_of_the_true_quantile(double quantile)
    {
        var costs = StatsData.Costs(7, 2000);
        var recorder = Recorder(new FakeTimeProvider());
        foreach (var cost in costs)
        {
            recorder.Record(StatsData.Result("d", cost), ScanRole.Active);
        }

        var sorted = costs.Order().ToArray();
        var truth = sorted[(int)Math.Ceiling(quantile * sorted.Length) - 1];
        var bucket = CostHistogram.BucketOf(truth);
        var estimate = recorder.Current("d").Quantile(quantile);

        Assert.InRange(estimate, CostHistogram.LowerBound(bucket), CostHistogram.UpperBound(bucket));
    }

    [Fact]
    public void Figures_of_two_instances_merge_exactly_into_the_figures_of_one()
    {
        var time = new FakeTimeProvider();
        var costs = StatsData.Costs(3, 3000);
        var one = Recorder(time);
        var a = Recorder(time);
        var b = Recorder(time);

        // Many threads at once: no lost increments on the lock-free path.
        Parallel.For(0, costs.Length, i =>
        {
            var result = StatsData.Result("d", costs[i], (VerdictAction)(i % 3), deadlineExceeded: i % 100 == 0, incomplete: i % 50 == 1);
            one.Record(result, ScanRole.Canary);
            (i % 2 == 0 ? a : b).Record(result, ScanRole.Canary);
        });

        var whole = one.Current("d");
        var merged = a.Current("d").Merge(b.Current("d"));
        Assert.Equal(costs.Length, whole.Count);
        Assert.Equal(costs.Length, whole.CostBuckets.Sum());
        Assert.Equal(whole.CostBuckets, merged.CostBuckets);
        Assert.Equal(
            (whole.Count, whole.DeadlineHits, whole.Incomplete, whole.DeliverCount, whole.TagCount, whole.QuarantineCount, whole.TotalCost),
            (merged.Count, merged.DeadlineHits, merged.Incomplete, merged.DeliverCount, merged.TagCount, merged.QuarantineCount, merged.TotalCost));
        Assert.Equal(30, whole.DeadlineHits);
        Assert.Equal(90, whole.Incomplete);
        Assert.Equal(1000, whole.TagCount);
        Assert.Equal(whole.P99, merged.P99);
        Assert.Equal(ScanStats.Empty.Count, one.Current("d", ScanRole.Active).Count);
    }

    [Fact]
    public void Bad_figures_are_refused_with_the_reason()
    {
        var shortHistogram = Assert.Throws<ArgumentException>(() => new ScanStats(1, 0, 0, 1, 0, 0, TimeSpan.Zero, new long[3]));
        Assert.Contains(CostHistogram.Layout, shortHistogram.Message);
        Assert.Throws<ArgumentException>(() => new ScanStats(-1, 0, 0, 0, 0, 0, TimeSpan.Zero, new long[CostHistogram.BucketCount]));
        Assert.Throws<ArgumentException>(() => Recorder(new FakeTimeProvider()).Record(StatsData.Result("", TimeSpan.Zero), ScanRole.Active));
    }

    private static ScanStatsRecorder Recorder(TimeProvider time)
    {
        var options = Options.Create(new ScanStatsOptions());
        return new ScanStatsRecorder(
            new ScanStatsTable(new TableServiceClient("UseDevelopmentStorage=true"), options, new PipelineContainers()), options, time, NullLogger<ScanStatsRecorder>.Instance);
    }
}
