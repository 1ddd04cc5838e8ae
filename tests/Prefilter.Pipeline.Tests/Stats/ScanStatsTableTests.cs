using Azure.Data.Tables;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Stats;

/// <summary>Flushing to and reading from the <c>scanstats</c> table on Azurite.</summary>
[Collection(PipelineCollection.Name)]
public sealed class ScanStatsTableTests(AzuriteFixture azurite)
{
    private static readonly string Set = StatsData.Digest("v1");

    [Fact]
    public async Task Rows_of_several_instances_add_up_and_a_repeated_flush_counts_nothing_twice()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 10, 0, 20, TimeSpan.Zero));
        var options = Options(NewTableName());
        var table = new ScanStatsTable(new TableServiceClient(azurite.ConnectionString), options, new PipelineContainers());
        var instances = new[] { Recorder(table, options, time, "a"), Recorder(table, options, time, "b"), Recorder(table, options, time, "c") };
        var costs = StatsData.Costs(11, 900);
        for (var i = 0; i < costs.Length; i++)
        {
            instances[i % 3].Record(StatsData.Result(Set, costs[i], i % 10 == 0 ? VerdictAction.Quarantine : VerdictAction.Deliver, deadlineExceeded: i == 5), ScanRole.Canary);
        }

        var expected = instances.Aggregate(ScanStats.Empty, (total, recorder) => total.Merge(recorder.Current(Set)));
        foreach (var recorder in instances)
        {
            await recorder.FlushAsync();
            await recorder.FlushAsync();
        }

        var reader = new ScanStatsReader(table);
        var read = await reader.ReadAsync(Set, time.GetUtcNow().AddMinutes(-5), time.GetUtcNow());

        Assert.Equal(900, read.Count);
        Assert.Equal(expected.CostBuckets, read.CostBuckets);
        Assert.Equal((1, 1, 90, 810L), (read.DeadlineHits, read.Incomplete, read.QuarantineCount, read.DeliverCount));
        Assert.Equal(expected.TotalCost, read.TotalCost);
        Assert.Equal(expected.P99, read.P99);
        Assert.Equal(900, (await reader.ReadAsync(Set, time.GetUtcNow(), time.GetUtcNow(), ScanRole.Canary)).Count);
        Assert.Equal(0, (await reader.ReadAsync(Set, time.GetUtcNow(), time.GetUtcNow(), ScanRole.Active)).Count);
        Assert.Equal(0, (await reader.ReadAsync(StatsData.Digest("other"), time.GetUtcNow(), time.GetUtcNow())).Count);
    }

    [Fact]
    public async Task A_series_merges_the_windows_of_each_interval_over_instances_and_roles_and_leaves_empty_ones_out()
    {
        var start = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var options = Options(NewTableName());
        var table = new ScanStatsTable(new TableServiceClient(azurite.ConnectionString), options, new PipelineContainers());
        var active = Recorder(table, options, time, "a");
        var canary = Recorder(table, options, time, "b");

        // Minutes 0, 1 and 4 have scans (minute + 1 each, on two instances and in both roles); 2 and 3 have none.
        foreach (var minute in new[] { 0, 1, 4 })
        {
            time.SetUtcNow(start.AddMinutes(minute).AddSeconds(30));
            for (var i = 0; i <= minute; i++)
            {
                active.Record(StatsData.Result(Set, TimeSpan.FromMilliseconds(1)), ScanRole.Active);
                canary.Record(StatsData.Result(Set, TimeSpan.FromMilliseconds(2), VerdictAction.Quarantine), ScanRole.Canary);
            }

            await active.FlushAsync();
            await canary.FlushAsync();
        }

        var points = await new ScanStatsReader(table).ReadSeriesAsync(Set, start, start.AddMinutes(6), TimeSpan.FromMinutes(2));

        Assert.Equal([start, start.AddMinutes(4)], points.Select(point => point.Start));
        Assert.Equal([(2 * 3L, 3L), (2 * 5L, 5L)], points.Select(point => (point.Stats.Count, point.Stats.QuarantineCount)));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => new ScanStatsReader(table).ReadSeriesAsync(Set, start, start.AddMinutes(6), TimeSpan.Zero));
    }

    [Fact]
    public async Task A_range_reads_the_windows_it_overlaps_and_no_others()
    {
        var start = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var options = Options(NewTableName());
        var table = new ScanStatsTable(new TableServiceClient(azurite.ConnectionString), options, new PipelineContainers());
        var recorder = Recorder(table, options, time, "a");

        // One scan per minute, in minutes 0..9; the counts tell which windows a range read.
        for (var minute = 0; minute < 10; minute++)
        {
            time.SetUtcNow(start.AddMinutes(minute).AddSeconds(30));
            for (var i = 0; i <= minute; i++)
            {
                recorder.Record(StatsData.Result(Set, TimeSpan.FromMilliseconds(1)), ScanRole.Active);
            }

            await recorder.FlushAsync();
        }

        var reader = new ScanStatsReader(table);
        Assert.Equal(3 + 4 + 5, (await reader.ReadAsync(Set, start.AddMinutes(2).AddSeconds(59), start.AddMinutes(4).AddSeconds(1))).Count);
        Assert.Equal(55, (await reader.ReadAsync(Set, start, start.AddMinutes(20))).Count);
        Assert.Equal(0, (await reader.ReadAsync(Set, start.AddMinutes(11), start.AddMinutes(20))).Count);
        await Assert.ThrowsAsync<ArgumentException>(() => reader.ReadAsync(Set, start.AddMinutes(1), start));
    }

    [Fact]
    public async Task Ended_windows_leave_memory_after_their_last_flush_and_nothing_is_lost()
    {
        var start = new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero);
        var time = new FakeTimeProvider(start);
        var options = Options(NewTableName());
        var table = new ScanStatsTable(new TableServiceClient(azurite.ConnectionString), options, new PipelineContainers());
        var recorder = Recorder(table, options, time, "a");
        recorder.Record(StatsData.Result(Set, TimeSpan.FromMilliseconds(1)), ScanRole.Active);
        await recorder.FlushAsync();
        recorder.Record(StatsData.Result(Set, TimeSpan.FromMilliseconds(1)), ScanRole.Active);

        // Past the window and one flush interval: the last flush writes the late scan too, then drops the window.
        time.Advance(TimeSpan.FromMinutes(1) + options.Value.FlushInterval);
        await recorder.FlushAsync();

        Assert.Equal(0, recorder.Current(Set).Count);
        Assert.Equal(2, (await new ScanStatsReader(table).ReadAsync(Set, start, time.GetUtcNow())).Count);
    }

    [Fact]
    public async Task Stopping_the_host_flushes_what_was_counted()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["ScanStats:tableName"] = NewTableName(),
            ["ScanStats:flushInterval"] = "00:10:00",
        }).Build();
        await using var services = new ServiceCollection()
            .AddSingleton<TimeProvider>(new FakeTimeProvider(DateTimeOffset.UtcNow))
            .AddLogging()
            .AddPrefilterScanStats(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
        var hosted = services.GetServices<IHostedService>().OfType<ScanStatsFlushService>().Single();
        var recorder = services.GetRequiredService<ScanStatsRecorder>();
        var time = services.GetRequiredService<TimeProvider>();

        await hosted.StartAsync(CancellationToken.None);
        recorder.Record(StatsData.Result(Set, TimeSpan.FromMilliseconds(3), VerdictAction.Tag), ScanRole.Canary);
        await hosted.StopAsync(CancellationToken.None);

        var read = await services.GetRequiredService<ScanStatsReader>().ReadAsync(Set, time.GetUtcNow(), time.GetUtcNow());
        Assert.Equal((1L, 1L), (read.Count, read.TagCount));
    }

    [Fact]
    public async Task A_row_with_another_histogram_layout_is_refused_naming_the_row()
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        var options = Options(NewTableName());
        var client = new TableServiceClient(azurite.ConnectionString);
        var table = new ScanStatsTable(client, options, new PipelineContainers());
        var recorder = Recorder(table, options, time, "a");
        recorder.Record(StatsData.Result(Set, TimeSpan.FromMilliseconds(1)), ScanRole.Active);
        await recorder.FlushAsync();
        var rows = client.GetTableClient(options.Value.TableName);
        var row = rows.Query<TableEntity>().Single();
        row["Layout"] = "linear-1ms-50";
        await rows.UpdateEntityAsync(row, row.ETag);

        var refused = await Assert.ThrowsAsync<ScanStatsFormatException>(() => new ScanStatsReader(table).ReadAsync(Set, time.GetUtcNow(), time.GetUtcNow()));
        Assert.Equal(row.RowKey, refused.RowKey);
        Assert.Contains("linear-1ms-50", refused.Reason);
    }

    private static string NewTableName() => $"stats{Guid.NewGuid():N}";

    private static IOptions<ScanStatsOptions> Options(string tableName) => Microsoft.Extensions.Options.Options.Create(new ScanStatsOptions { TableName = tableName });

    private static ScanStatsRecorder Recorder(ScanStatsTable table, IOptions<ScanStatsOptions> options, TimeProvider time, string instance) =>
        new(table, Microsoft.Extensions.Options.Options.Create(new ScanStatsOptions { TableName = options.Value.TableName, InstanceId = instance }), time, NullLogger<ScanStatsRecorder>.Instance);
}
