using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Prefilter.Engine.Gating;
using Prefilter.Engine.Scanning;

namespace Prefilter.Pipeline.Release;

/// <summary>Wiring of the release half: publish and gate, canary transitions, rollback, kill switch, gate corpus.</summary>
public static class ReleaseServiceCollectionExtensions
{
    /// <summary>The configuration section of the gate's budget (<see cref="GateBudget"/>).</summary>
    public const string GateSectionName = "Gate";

    /// <summary>
    /// <see cref="PatternReleaseService"/>, <see cref="ReleaseGateHandler"/> and its <see cref="GateRequestQueue"/>, <see cref="RollbackService"/>, <see cref="CanaryController"/>,
    /// <see cref="KillSwitch"/>, <see cref="ReleaseStateCommitter"/>, <see cref="ReleaseDocuments"/>, <see cref="PatternSetGate"/> and the gate corpus.
    /// Includes <c>AddPrefilterScanning</c>, because the gate must compile with the very <see cref="ScannerOptions"/>
    /// instance the scan stage uses, and that is where it is registered. Sections: <c>Release</c>, <c>Gate</c>, <c>Corpus</c>.
    /// May be called more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">App configuration.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddPrefilterRelease(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPrefilterScanning(configuration).AddPrefilterGateCorpus(configuration);
        if (!PipelineServiceCollectionExtensions.Once<ReleaseMarker>(services))
        {
            return services;
        }

        var release = configuration.GetSection(ReleaseOptions.SectionName);
        services.AddOptions<ReleaseOptions>()
            // A configured plan replaces the default one; the binder would otherwise append to the default list.
            .Configure(options =>
            {
                if (release.GetSection(nameof(ReleaseOptions.Stages)).Exists())
                {
                    options.Stages.Clear();
                }
            })
            .Bind(release)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<GateBudget>()
            .Bind(configuration.GetSection(GateSectionName))
            .Validate(Valid, $"{GateSectionName}: cost limits must be positive, flip limits, deadline hits and TopN must not be negative (TopN at least 1)")
            .ValidateOnStart();

        services.TryAddSingleton(provider => new PatternSetGate(
            provider.GetRequiredService<ScannerOptions>(),
            provider.GetRequiredService<IOptions<GateBudget>>().Value));
        services.TryAddSingleton<ReleaseDocuments>();
        services.TryAddSingleton<ReleaseStateCommitter>();
        services.TryAddSingleton<GateRequestQueue>();
        services.TryAddSingleton<PatternReleaseService>();
        services.TryAddSingleton<ReleaseGateHandler>();
        services.TryAddSingleton<RollbackService>();
        services.TryAddSingleton<CanaryController>();
        services.TryAddSingleton<KillSwitch>();
        return services;
    }

    /// <summary>
    /// The gate corpus alone (<see cref="GateCorpus"/>, section <c>Corpus</c>), for the scan half, which samples
    /// traffic into it. Includes <c>AddPrefilterStorage</c>. May be called more than once.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">App configuration.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddPrefilterGateCorpus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddPrefilterStorage(configuration);
        if (!PipelineServiceCollectionExtensions.Once<GateCorpusMarker>(services))
        {
            return services;
        }

        services.AddOptions<GateCorpusOptions>()
            .Bind(configuration.GetSection(GateCorpusOptions.SectionName))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.TryAddSingleton<GateCorpus>();
        return services;
    }

    private static bool Valid(GateBudget budget) =>
        budget.MaxP99CostRatio > 0 && budget.MaxP99Cost > TimeSpan.Zero && budget.CostNoiseFloor >= TimeSpan.Zero
        && budget.MaxDeadlineHits >= 0 && budget.MaxHamToSpamFlips >= 0 && budget.MaxSpamToHamFlips >= 0 && budget.TopN >= 1;

    private sealed class ReleaseMarker;

    private sealed class GateCorpusMarker;
}
