using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Trace;
using Prefilter.Pipeline.Telemetry;
using Prefilter.Functions.Functions;
using Prefilter.Pipeline.Delivery;

namespace Prefilter.Functions.Tests;

/// <summary>The app's own registrations (what Program.cs calls) build and can create every function class.</summary>
public sealed class AppServicesTests
{
    // Azurite's well-known development account and the dev broker's connection string shape: what local.settings.json holds.
    private const string AzuriteConnectionString =
        "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;" +
        "BlobEndpoint=http://127.0.0.1:10000/devstoreaccount1;QueueEndpoint=http://127.0.0.1:10001/devstoreaccount1;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

    private const string DevBrokerConnectionString =
        "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true";

    [Fact]
    public async Task Every_function_class_resolves_from_the_apps_container()
    {
        await using var provider = Build(new Dictionary<string, string?>());
        var functionTypes = typeof(ScanMailFunction).Assembly.GetTypes()
            .Where(type => type.GetMethods().Any(method => method.GetCustomAttributes(typeof(FunctionAttribute), false).Length > 0))
            .ToList();
        Assert.Equal(8, functionTypes.Count);
        Assert.All(functionTypes, type => Assert.NotNull(ActivatorUtilities.CreateInstance(provider, type)));
    }

    [Fact]
    public async Task The_identity_based_settings_of_the_Azure_deployment_build_the_same_container()
    {
        // The names infra/main.bicep sets ("__" in app settings is ":" in configuration); no keys anywhere.
        await using var provider = Build(new Dictionary<string, string?>
        {
            ["Storage"] = null,
            ["ServiceBus"] = null,
            ["Storage:blobServiceUri"] = "https://stdata.blob.core.windows.net/",
            ["Storage:queueServiceUri"] = "https://stdata.queue.core.windows.net/",
            ["Storage:tableServiceUri"] = "https://stdata.table.core.windows.net/",
            ["Storage:credential"] = "managedidentity",
            ["ServiceBus:fullyQualifiedNamespace"] = "sb-prefilter.servicebus.windows.net",
            ["ServiceBus:credential"] = "managedidentity",
        });
        Assert.NotNull(ActivatorUtilities.CreateInstance<ScanMailFunction>(provider));
        Assert.NotNull(ActivatorUtilities.CreateInstance<PatternsApiFunction>(provider));
        Assert.NotNull(ActivatorUtilities.CreateInstance<StatusFunction>(provider));
    }

    [Fact]
    public async Task Delivery_runs_as_a_hosted_processor()
    {
        await using var provider = Build(new Dictionary<string, string?>());
        Assert.Contains(provider.GetServices<IHostedService>(), service => service is DeliveryProcessorService);
    }

    [Fact]
    public async Task Telemetry_is_exported_only_when_Application_Insights_is_configured()
    {
        await using (var without = Build(new Dictionary<string, string?>()))
        {
            Assert.Null(without.GetService<TracerProvider>());
        }

        await using var with = Build(new Dictionary<string, string?>
        {
            [FunctionsAppServiceCollectionExtensions.ApplicationInsightsSetting] = "InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://example.invalid/",
        });
        Assert.NotNull(with.GetService<TracerProvider>());

        // The exporter listens to the pipeline's own activity source, so a mail's spans reach Application Insights.
        using var span = PipelineActivities.StartIngress("http", 1, 1);
        Assert.NotNull(span);
        Assert.Equal(PipelineActivities.SourceName, span.Source.Name);
    }

    [Fact]
    public async Task A_missing_storage_setting_fails_at_start_not_at_the_first_mail()
    {
        await using var provider = Build(new Dictionary<string, string?> { ["Storage"] = null }, validate: false);
        var error = Assert.ThrowsAny<Exception>(() => provider.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains("Storage", error.ToString(), StringComparison.Ordinal);
    }

    private static ServiceProvider Build(Dictionary<string, string?> overrides, bool validate = true)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage"] = AzuriteConnectionString,
            ["ServiceBus"] = DevBrokerConnectionString,
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        var services = new ServiceCollection().AddLogging().AddSingleton<IConfiguration>(configuration);
        services.AddPrefilterFunctionsApp(configuration);
        var provider = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        if (validate)
        {
            provider.GetRequiredService<IStartupValidator>().Validate();
        }

        return provider;
    }
}
