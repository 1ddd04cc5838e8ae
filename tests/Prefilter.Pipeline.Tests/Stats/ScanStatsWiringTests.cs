using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Stats;

/// <summary><c>AddPrefilterScanStats</c>: options checked at start, figures isolated by the container prefix.</summary>
[Collection(PipelineCollection.Name)]
public sealed class ScanStatsWiringTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task Services_with_another_container_prefix_never_see_each_others_figures()
    {
        var set = StatsData.Digest("same set everywhere");
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 28, 10, 0, 0, TimeSpan.Zero));
        var prefix = azurite.NewContainers().Prefix;
        await using var first = Build(time, prefix);
        await using var same = Build(time, prefix);
        await using var other = Build(time, azurite.NewContainers().Prefix);

        first.GetRequiredService<ScanStatsRecorder>().Record(StatsData.Result(set, TimeSpan.FromMilliseconds(1)), ScanRole.Active);
        await first.GetRequiredService<ScanStatsRecorder>().FlushAsync();

        var now = time.GetUtcNow();
        Assert.Equal(1, (await same.GetRequiredService<ScanStatsReader>().ReadAsync(set, now, now)).Count);
        Assert.Equal(0, (await other.GetRequiredService<ScanStatsReader>().ReadAsync(set, now, now)).Count);
        Assert.NotEqual(first.GetRequiredService<ScanStatsTable>().Name, other.GetRequiredService<ScanStatsTable>().Name);
    }

    [Theory]
    [InlineData(null, "https://acct.table.core.windows.net/")]
    [InlineData("https://other.table.core.windows.net/", "https://other.table.core.windows.net/")]
    public void In_Azure_the_table_endpoint_comes_from_the_deployment_setting_or_the_own_section(string? own, string expected)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:blobServiceUri"] = "https://acct.blob.core.windows.net/",
            ["Storage:tableServiceUri"] = "https://acct.table.core.windows.net/",
            ["ScanStats:tableServiceUri"] = own,
        }).Build();
        using var services = new ServiceCollection().AddLogging().AddPrefilterScanStats(configuration).BuildServiceProvider();

        Assert.Equal(new Uri(expected), services.GetRequiredService<IOptions<ScanStatsOptions>>().Value.TableServiceUri);
    }

    [Theory]
    [InlineData("ScanStats:window", "00:00:01.500", "Window")]
    [InlineData("ScanStats:flushInterval", "00:00:00", "FlushInterval")]
    [InlineData("ScanStats:tableName", "scan-stats", "TableName")]
    public void Bad_options_fail_at_start_naming_the_setting(string key, string value, string setting)
    {
        using var services = Build(TimeProvider.System, "", (key, value));

        var failure = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains(setting, failure.Message);
    }

    private ServiceProvider Build(TimeProvider time, string prefix, params (string Key, string Value)[] settings)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["Storage:containerPrefix"] = prefix,
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        return new ServiceCollection()
            .AddSingleton(time)
            .AddLogging()
            .AddPrefilterScanStats(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });
    }
}
