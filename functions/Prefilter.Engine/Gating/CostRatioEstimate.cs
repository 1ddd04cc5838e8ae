namespace Prefilter.Engine.Gating;

/// <summary>
/// The candidate's p99 scan time over the active set's, with a bootstrap confidence interval over the gate corpus.
/// Each message was scanned by both sets at the same moment, so the pairs are resampled together: the interval shows
/// how much the ratio could move with another draw of messages and another moment's noise. The gate refuses a set
/// only when even the interval's lower bound breaks the budget, so a set that is the same as the active one is not
/// refused because a garbage collection or a busy neighbour landed on a few of its scans.
/// </summary>
/// <param name="Ratio">The ratio measured on the corpus itself.</param>
/// <param name="Lower">The interval's lower bound.</param>
/// <param name="Upper">The interval's upper bound.</param>
public sealed record CostRatioEstimate(double Ratio, double Lower, double Upper)
{
    /// <summary>The confidence of the interval: 95 %.</summary>
    public const double Confidence = 0.95;

    /// <summary>Resamples drawn; fixed, as is the seed, so a report can be reproduced from its measurements.</summary>
    public const int Resamples = 1000;

    private const int Seed = 20261207;

    /// <summary>
    /// True when the candidate costs more than <paramref name="maxRatio"/> times the active set beyond the interval:
    /// even its lower bound is over. The gate refuses on this, never on <see cref="Ratio"/> alone.
    /// </summary>
    /// <param name="maxRatio">The budget, <see cref="GateBudget.MaxP99CostRatio"/>.</param>
    public bool Exceeds(double maxRatio) => Lower > maxRatio;

    /// <summary>Estimates the ratio of the p99s of two paired series of scan times.</summary>
    /// <param name="candidate">The candidate's time for each message.</param>
    /// <param name="active">The active set's time for the same messages, in the same order.</param>
    /// <exception cref="ArgumentException">The series are empty or of different lengths.</exception>
    public static CostRatioEstimate Of(IReadOnlyList<TimeSpan> candidate, IReadOnlyList<TimeSpan> active)
    {
        ArgumentNullException.ThrowIfNull(candidate);
        ArgumentNullException.ThrowIfNull(active);
        if (candidate.Count == 0 || candidate.Count != active.Count)
        {
            throw new ArgumentException("Both series need the same, non-zero number of messages.", nameof(active));
        }

        var n = candidate.Count;
        var measured = RatioOfP99([.. candidate.Select(t => t.Ticks)], [.. active.Select(t => t.Ticks)]);
        // A small corpus gets an interval too: a wide one, since its p99 is one of its few costliest messages, and
        // the gate refuses only when even the low end of that is over budget.
        if (n < 2)
        {
            return new CostRatioEstimate(measured, measured, measured);
        }

        var random = new Random(Seed);
        var ratios = new double[Resamples];
        var c = new long[n];
        var a = new long[n];
        for (var r = 0; r < Resamples; r++)
        {
            for (var i = 0; i < n; i++)
            {
                var pick = random.Next(n);
                c[i] = candidate[pick].Ticks;
                a[i] = active[pick].Ticks;
            }

            ratios[r] = RatioOfP99(c, a);
        }

        Array.Sort(ratios);
        var tail = (1 - Confidence) / 2;
        return new CostRatioEstimate(
            measured,
            ratios[(int)Math.Floor(tail * (Resamples - 1))],
            ratios[(int)Math.Ceiling((1 - tail) * (Resamples - 1))]);
    }

    private static double RatioOfP99(long[] candidate, long[] active) => P99(candidate) / Math.Max(1.0, P99(active));

    private static double P99(long[] ticks)
    {
        Array.Sort(ticks);
        return ticks[(int)Math.Clamp(Math.Ceiling(0.99 * ticks.Length) - 1, 0, ticks.Length - 1)];
    }
}
