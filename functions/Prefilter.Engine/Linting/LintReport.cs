using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Linting;

/// <summary>The outcome of <see cref="PatternSetLinter"/>: every finding, how the rules would run, and the set's digest.</summary>
/// <param name="Findings">Every reason to refuse the set, in document order; empty when the set may be served.</param>
/// <param name="Classes">
/// How many rules run in each execution class. Regex rules whose pattern is missing or does not compile count as
/// refused; list, meta and <c>exists:</c> header rules count as non-regex.
/// </param>
/// <param name="Digest">
/// The set's digest (<see cref="PatternSets.PatternSetJson.ComputeDigest"/>) when the document could be read into a
/// set, even if other findings refuse it; null when it could not.
/// </param>
public sealed record LintReport(IReadOnlyList<LintFinding> Findings, RuleClassCounts Classes, string? Digest)
{
    /// <summary>True when there are no findings: the set may be compiled and served.</summary>
    public bool IsValid => Findings.Count == 0;

    /// <summary>
    /// The analyzer's plan for every distinct pattern lint looked at, by pattern, so a compiler that lints first
    /// does not analyse each pattern a second time.
    /// </summary>
    internal IReadOnlyDictionary<string, RegexPlan> RegexPlans { get; init; } = new Dictionary<string, RegexPlan>();
}
