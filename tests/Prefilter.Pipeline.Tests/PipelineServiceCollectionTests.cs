using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Prefilter.Pipeline.Tests;

public sealed class PipelineServiceCollectionTests
{
    private static ServiceProvider Build(Dictionary<string, string?> settings) =>
        new ServiceCollection()
            .AddLogging()
            .AddPrefilterScanning(new ConfigurationBuilder().AddInMemoryCollection(settings).Build())
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true });

    private static void Validate(Dictionary<string, string?> settings) =>
        Build(settings).GetRequiredService<IStartupValidator>().Validate();

    [Fact]
    public void Missing_connections_and_bad_durations_fail_at_start_with_the_setting_named()
    {
        var error = Assert.Throws<AggregateException>(() => Validate(new() { ["Patterns:refreshInterval"] = "00:00:00" }));

        var all = string.Join("\n", error.InnerExceptions.Cast<OptionsValidationException>().SelectMany(failure => failure.Failures));
        Assert.Contains("Storage:blobServiceUri", all);
        Assert.Contains("ServiceBus:fullyQualifiedNamespace", all);
        Assert.Contains("RefreshInterval", all);
    }

    [Fact]
    public void Azure_shape_validates_with_service_uris_and_local_shape_with_section_values()
    {
        Validate(new()
        {
            ["Storage:blobServiceUri"] = "https://account.blob.core.windows.net",
            ["ServiceBus:fullyQualifiedNamespace"] = "prefilter.servicebus.windows.net",
        });
        Validate(new()
        {
            ["Storage"] = "UseDevelopmentStorage=true",
            ["ServiceBus"] = "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true",
        });
    }

    [Fact]
    public async Task The_scan_half_resolves_without_scan_statistics_registered()
    {
        await using var services = Build(new()
        {
            ["Storage"] = "UseDevelopmentStorage=true",
            ["ServiceBus"] = "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true",
        });

        Assert.NotNull(services.GetRequiredService<Pipeline.Scanning.ScanStage>());
        Assert.NotNull(services.GetRequiredService<Pipeline.Reconciliation.Reconciler>());
        Assert.NotNull(services.GetRequiredService<Pipeline.Ingest.HttpIngest>());
        Assert.Null(services.GetService<Pipeline.Stats.ScanStatsRecorder>());
    }
}
