using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;

namespace Prefilter.Pipeline.Tests.Stats;

/// <summary>Synthetic scan results: the recorder's real input type, built with chosen figures.</summary>
public static class StatsData
{
    /// <summary>A digest-shaped name for a test set.</summary>
    public static string Digest(string name) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)));

    /// <summary>A scan result.</summary>
    public static ScanResult Result(string digest, TimeSpan elapsed, VerdictAction action = VerdictAction.Deliver, bool deadlineExceeded = false, bool incomplete = false) => new()
    {
        Score = action switch { VerdictAction.Deliver => 0, VerdictAction.Tag => 6, _ => 11 },
        Action = action,
        Hits = [],
        SetDigest = digest,
        Elapsed = elapsed,
        Incomplete = incomplete || deadlineExceeded,
        IncompleteReason = deadlineExceeded ? "deadline" : incomplete ? "cap" : null,
        DeadlineExceeded = deadlineExceeded,
    };

    /// <summary>Costs spread over four orders of magnitude, reproducible by seed.</summary>
    public static TimeSpan[] Costs(int seed, int count) =>
        [.. Enumerable.Range(0, count).Select(_ => TimeSpan.FromTicks((long)(50 * Math.Pow(10, 4 * new Random(seed++).NextDouble()))))];
}
