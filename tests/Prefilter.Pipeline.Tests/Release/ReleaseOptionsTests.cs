using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prefilter.Engine.Gating;
using Prefilter.Pipeline.Release;

namespace Prefilter.Pipeline.Tests.Release;

public sealed class ReleaseOptionsTests
{
    private static ServiceProvider Build(IDictionary<string, string?> settings)
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Storage"] = "UseDevelopmentStorage=true",
            ["ServiceBus"] = "Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=k;SharedAccessKey=a2V5;UseDevelopmentEmulator=true",
        };
        foreach (var (key, value) in settings)
        {
            configuration[key] = value;
        }

        return new ServiceCollection()
            .AddLogging()
            .AddPrefilterRelease(new ConfigurationBuilder().AddInMemoryCollection(configuration).Build())
            .BuildServiceProvider();
    }

    [Fact]
    public void Defaults_are_the_documented_plan_and_budget()
    {
        using var services = Build(new Dictionary<string, string?>());
        services.GetRequiredService<IStartupValidator>().Validate();

        var release = services.GetRequiredService<IOptions<ReleaseOptions>>().Value;
        Assert.Equal([(1.0, TimeSpan.FromMinutes(15)), (10.0, TimeSpan.FromMinutes(30)), (50.0, TimeSpan.FromHours(1))],
            release.Stages.Select(stage => (stage.SharePercent, stage.BakeTime)));
        Assert.Equal(new GateBudget(), services.GetRequiredService<IOptions<GateBudget>>().Value);
    }

    [Fact]
    public void A_configured_plan_replaces_the_default_and_the_gate_budget_binds_from_Gate()
    {
        using var services = Build(new Dictionary<string, string?>
        {
            ["Release:stages:0:sharePercent"] = "5",
            ["Release:stages:0:bakeTime"] = "00:05:00",
            ["Release:stages:1:sharePercent"] = "25",
            ["Release:stages:1:bakeTime"] = "02:00:00",
            ["Gate:maxP99CostRatio"] = "2.5",
            ["Gate:maxHamToSpamFlips"] = "3",
            ["Gate:maxP99Cost"] = "00:00:00.100",
        });
        services.GetRequiredService<IStartupValidator>().Validate();

        Assert.Equal([(5.0, TimeSpan.FromMinutes(5)), (25.0, TimeSpan.FromHours(2))],
            services.GetRequiredService<IOptions<ReleaseOptions>>().Value.Stages.Select(stage => (stage.SharePercent, stage.BakeTime)));
        var budget = services.GetRequiredService<IOptions<GateBudget>>().Value;
        Assert.Equal((2.5, 3, TimeSpan.FromMilliseconds(100)), (budget.MaxP99CostRatio, budget.MaxHamToSpamFlips, budget.MaxP99Cost));
    }

    [Theory]
    [InlineData("Release:stages:1:sharePercent", "0.5", "above the previous stage")]
    [InlineData("Release:stages:0:sharePercent", "100", "below 100")]
    [InlineData("Release:stages:0:bakeTime", "-00:01:00", "BakeTime")]
    [InlineData("Gate:maxP99CostRatio", "0", "Gate")]
    [InlineData("Gate:topN", "0", "Gate")]
    [InlineData("Corpus:sampleRate", "1.5", "SampleRate")]
    public void Invalid_settings_fail_at_start_naming_the_setting(string key, string value, string expected)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Release:stages:0:sharePercent"] = "1",
            ["Release:stages:0:bakeTime"] = "00:15:00",
            ["Release:stages:1:sharePercent"] = "10",
            ["Release:stages:1:bakeTime"] = "00:15:00",
            [key] = value,
        };
        using var services = Build(settings);

        var error = Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IStartupValidator>().Validate());
        Assert.Contains(expected, error.Message);
    }
}
