using Prefilter.Engine.Gating;

namespace Prefilter.Engine.Tests.Gating;

/// <summary>
/// The gate's cost decision on measurements shaped like a gate run (500 sampled mails and 77 adversarial ones, scan
/// times spread over three orders of magnitude), made with a fixed seed so each case is the same every run.
/// </summary>
public sealed class CostRatioEstimateTests
{
    private const double Budget = 1.5;

    [Fact]
    public void The_same_set_under_noise_is_not_judged_slower_even_when_a_few_scans_spike()
    {
        // What refused a set identical to the active one under load: a handful of scans (a garbage collection, a busy
        // neighbour) land in the candidate's tail and the measured p99 ratio reads 1.9×.
        var random = new Random(1);
        var active = Corpus(random);
        var candidate = active.Select(t => t * (0.9 + (0.2 * random.NextDouble()))).ToArray();
        foreach (var spike in new[] { 17, 230, 301, 402, 488, 555 })
        {
            candidate[spike] += TimeSpan.FromMilliseconds(12);
        }

        var estimate = CostRatioEstimate.Of(candidate, active);

        Assert.True(estimate.Ratio > Budget, $"the measured ratio {estimate.Ratio:0.00} should read as a breach");
        Assert.True(estimate.Lower <= Budget, $"lower bound {estimate.Lower:0.00}");
    }

    [Fact]
    public void A_set_that_is_slower_on_every_mail_is_judged_slower()
    {
        // The incident: a rule combination that costs on every message.
        var random = new Random(2);
        var active = Corpus(random);
        var candidate = active.Select(t => (t * 3) + TimeSpan.FromMilliseconds(0.5)).ToArray();

        var estimate = CostRatioEstimate.Of(candidate, active);

        Assert.True(estimate.Lower > Budget, $"lower bound {estimate.Lower:0.00}");
    }

    [Fact]
    public void Twenty_noisy_runs_of_the_same_set_are_all_accepted_and_twenty_of_the_incident_all_refused()
    {
        for (var run = 0; run < 20; run++)
        {
            var random = new Random(100 + run);
            var active = Corpus(random);
            var same = active.Select(t => t * (0.7 + (0.6 * random.NextDouble()))).ToArray();
            for (var spike = 0; spike < 4; spike++)
            {
                same[random.Next(same.Length)] += TimeSpan.FromMilliseconds(5 + (20 * random.NextDouble()));
            }

            var incident = active.Select(t => t * (2.5 + random.NextDouble())).ToArray();

            Assert.True(CostRatioEstimate.Of(same, active).Lower <= Budget, $"run {run}: same set refused");
            Assert.True(CostRatioEstimate.Of(incident, active).Lower > Budget, $"run {run}: incident accepted");
        }
    }

    [Fact]
    public void On_a_small_corpus_one_slow_message_is_not_evidence_but_a_set_slow_on_every_message_is()
    {
        // 60 messages: the p99 is the costliest one. The same set, with that one message slowed 2.5× by a busy
        // moment, must not be refused; a set 3× slower on every message must.
        var active = Enumerable.Range(1, 60).Select(i => TimeSpan.FromMilliseconds(i)).ToArray();
        var oneSlow = active.Select((t, i) => i == 59 ? t * 2.5 : t).ToArray();
        var slower = active.Select(t => t * 3).ToArray();

        var noise = CostRatioEstimate.Of(oneSlow, active);
        var cost = CostRatioEstimate.Of(slower, active);

        Assert.Equal(2.5, noise.Ratio, 6);
        Assert.False(noise.Exceeds(Budget), $"{noise}");
        Assert.True(cost.Exceeds(Budget), $"{cost}");
    }

    [Fact]
    public void A_single_message_is_judged_on_its_measured_ratio()
    {
        var estimate = CostRatioEstimate.Of([TimeSpan.FromMilliseconds(4)], [TimeSpan.FromMilliseconds(2)]);

        Assert.Equal((2.0, 2.0, 2.0), (estimate.Ratio, estimate.Lower, estimate.Upper));
    }

    [Fact]
    public void Series_of_different_lengths_are_refused()
    {
        Assert.Throws<ArgumentException>(() => CostRatioEstimate.Of([TimeSpan.FromMilliseconds(1)], []));
    }

    // Most mails scan in about 0.5 ms, one in ten in a few, the adversarial mail (mostly parsing) in up to 9 ms:
    // a p99 of about 8 ms, as in the gate runs that refused an unchanged set.
    private static TimeSpan[] Corpus(Random random) =>
    [
        .. Enumerable.Range(0, 577).Select(i => TimeSpan.FromMilliseconds(
            i >= 500 ? 1 + (8 * random.NextDouble())
            : random.NextDouble() < 0.1 ? 2 + (6 * random.NextDouble())
            : 0.3 + (0.5 * random.NextDouble()))),
    ];
}
