using System.Globalization;
using Prefilter.Engine.Gating;

namespace Prefilter.Engine.Tests.Gating;

/// <summary>
/// The gate's cost decision on real measurements: <c>Gating/Recorded/gate-costs.txt</c> holds the per-message costs
/// (CPU time of the scanning thread, microseconds) of twenty gate runs of a set identical to the active one and twenty
/// of the incident set, each against the built-in default set, recorded on a loaded machine (see the file's header).
/// </summary>
public sealed class RecordedGateCostsTests
{
    private static readonly string RecordedFile = Path.Combine(AppContext.BaseDirectory, "Gating", "Recorded", "gate-costs.txt");

    [Fact]
    public void The_same_set_is_accepted_in_all_twenty_noisy_runs()
    {
        var runs = Runs("same");

        Assert.Equal(20, runs.Count);
        foreach (var (run, candidate, active) in runs)
        {
            // Fewer messages would fall back to the measured ratio and leave the interval untested.
            Assert.True(candidate.Count >= 500, $"run {run}: {candidate.Count} messages");
            var estimate = CostRatioEstimate.Of(candidate, active);
            Assert.False(estimate.Exceeds(new GateBudget().MaxP99CostRatio), $"run {run} refused: {estimate}");
        }
    }

    [Fact]
    public void The_incident_set_is_refused_in_all_twenty_runs()
    {
        var runs = Runs("incident");

        Assert.Equal(20, runs.Count);
        foreach (var (run, candidate, active) in runs)
        {
            // Fewer messages would fall back to the measured ratio and leave the interval untested.
            Assert.True(candidate.Count >= 500, $"run {run}: {candidate.Count} messages");
            var estimate = CostRatioEstimate.Of(candidate, active);
            Assert.True(estimate.Exceeds(new GateBudget().MaxP99CostRatio), $"run {run} accepted: {estimate}");
        }
    }

    private static List<(string Run, IReadOnlyList<TimeSpan> Candidate, IReadOnlyList<TimeSpan> Active)> Runs(string set)
    {
        // Lines: "<set> <run> candidate|active <microseconds>…"; '#' starts a comment.
        var series = File.ReadLines(RecordedFile)
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .Select(line => line.Split(' '))
            .Where(fields => fields[0] == set)
            .ToLookup(fields => fields[1]);
        return [.. series.Select(run => (
            run.Key,
            Series(run.Single(fields => fields[2] == "candidate")),
            Series(run.Single(fields => fields[2] == "active"))))];
    }

    private static IReadOnlyList<TimeSpan> Series(string[] fields) =>
        [.. fields.Skip(3).Select(value => TimeSpan.FromMicroseconds(long.Parse(value, CultureInfo.InvariantCulture)))];
}
