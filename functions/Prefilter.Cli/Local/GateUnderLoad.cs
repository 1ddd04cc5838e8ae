using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Prefilter.Cli.Incident;
using Prefilter.Engine.Gating;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;

namespace Prefilter.Cli.Local;

/// <summary>
/// The release gate run round after round on a <see cref="LocalStack"/> while it carries mail: each round gates the
/// serving set again under a new version, which must pass, and the incident set (the serving set plus the incident's
/// costly combination, <see cref="IncidentSets"/>), which must be refused. Each gate run is the one a publish runs (the
/// stack's gate, its corpus sample, its active set) and releases nothing, so rounds do not wait on canaries.
/// </summary>
/// <param name="stack">The stack under load.</param>
internal sealed class GateUnderLoad(LocalStack stack)
{
    /// <summary>What a round gated first: the serving set under a new version.</summary>
    public const string SameSet = "same-set";

    /// <summary>What a round gated second: the serving set plus the incident's costly combination.</summary>
    public const string Incident = "incident";

    /// <summary>Runs the rounds, one gate run at a time.</summary>
    /// <param name="rounds">How many rounds.</param>
    /// <param name="underLoad">Whether mail is still being sent, read as each run ends.</param>
    /// <param name="cancellationToken">Stops between and inside gate runs.</param>
    /// <exception cref="InvalidOperationException">The stack serves no set.</exception>
    public async Task<IReadOnlyList<LoadTestGateRun>> RunAsync(int rounds, Func<bool> underLoad, CancellationToken cancellationToken = default)
    {
        var services = stack.Services;
        var store = services.GetRequiredService<PatternStore>();
        var corpus = services.GetRequiredService<GateCorpus>();
        var gate = services.GetRequiredService<PatternSetGate>();
        var sampleSize = services.GetRequiredService<IOptions<ReleaseOptions>>().Value.GateSampleSize;
        var serving = (await store.ReadStateAsync(cancellationToken: cancellationToken).ConfigureAwait(false))?.Snapshot?.State.Active
            ?? throw new InvalidOperationException("the stack serves no pattern set to gate again");
        var active = await store.ReadSetAsync(serving, cancellationToken).ConfigureAwait(false);

        var runs = new List<LoadTestGateRun>();
        for (var round = 1; round <= rounds; round++)
        {
            var candidates = new[]
            {
                (SameSet, active with { Version = $"{active.Version}-gate-{round}" }),
                (Incident, IncidentSets.WithCostlyCombination(active, $"{active.Version}-incident-{round}", DateTimeOffset.UtcNow)),
            };
            foreach (var (kind, candidate) in candidates)
            {
                var sample = await corpus.LoadNewestAsync(sampleSize, cancellationToken).ConfigureAwait(false);
                var report = await Task.Run(() => gate.Evaluate(candidate, active, sample, cancellationToken), cancellationToken).ConfigureAwait(false);
                runs.Add(new LoadTestGateRun(
                    kind,
                    report.Passed,
                    report.SampleMessages,
                    report.P99CostRatioInterval is { } interval ? [interval.Lower, interval.Ratio, interval.Upper] : null,
                    report.Refusals,
                    underLoad()));
            }
        }

        return runs;
    }
}

/// <summary>One gate run of <c>loadtest --gate-rounds</c>, as <c>--json</c> prints it in <c>gate</c>.</summary>
/// <param name="Candidate"><see cref="GateUnderLoad.SameSet"/> or <see cref="GateUnderLoad.Incident"/>.</param>
/// <param name="Passed">Whether the gate let it through.</param>
/// <param name="SampleMessages">Corpus messages the gate measured.</param>
/// <param name="P99CostRatio">The candidate's p99 cost over the serving set's, as [lower bound, estimate, upper bound] of its 95 % interval.</param>
/// <param name="Refusals">Why the gate refused it; empty when it passed.</param>
/// <param name="UnderLoad">Whether mail was still being sent when the run ended.</param>
internal sealed record LoadTestGateRun(string Candidate, bool Passed, int SampleMessages, double[]? P99CostRatio, IReadOnlyList<string> Refusals, bool UnderLoad);
