using Prefilter.DevServices.FunctionsHost;

namespace Prefilter.Functions.Tests.Hosting;

/// <summary>A worker that cannot start says why, through the stand-in, instead of leaving the host waiting.</summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class WorkerStartupTests(FunctionsHostFixture fixture)
{
    [Fact]
    public async Task A_missing_storage_setting_fails_the_start_with_the_settings_name()
    {
        var options = fixture.HostOptions(settings => settings["Storage"] = null);

        var error = await Assert.ThrowsAsync<FunctionsHostException>(async () => await FunctionsHostStandIn.StartAsync(options));

        Assert.Contains("exited with code", error.Message, StringComparison.Ordinal);
        Assert.Contains("Storage:connectionString", error.WorkerOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_that_is_not_a_published_app_is_refused_before_anything_starts()
    {
        var options = new FunctionsHostStandInOptions { AppDirectory = Path.Combine(fixture.AppDirectory, "no-such-folder") };

        var error = await Assert.ThrowsAsync<FileNotFoundException>(async () => await FunctionsHostStandIn.StartAsync(options));

        Assert.Contains(WorkerConfig.FileName, error.Message, StringComparison.Ordinal);
    }
}
