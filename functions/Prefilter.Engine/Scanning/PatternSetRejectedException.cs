using Prefilter.Engine.Linting;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// Thrown by <see cref="CompiledPatternSet.Compile"/> for a set that lint refuses (a rule that cannot be made safe,
/// an invalid regex, a meta cycle, …). Do not retry: the set must change.
/// </summary>
public sealed class PatternSetRejectedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="setName">Name of the refused set.</param>
    /// <param name="findings">The lint findings that refuse it.</param>
    public PatternSetRejectedException(string setName, IReadOnlyList<LintFinding> findings)
        : base($"The pattern set '{setName}' cannot be compiled: {findings.Count} finding(s), first: " +
            (findings.Count == 0 ? "none" : Describe(findings[0])))
    {
        SetName = setName;
        Findings = findings;
    }

    /// <summary>Name of the refused set.</summary>
    public string SetName { get; }

    /// <summary>The lint findings, each with rule id, line and reason.</summary>
    public IReadOnlyList<LintFinding> Findings { get; }

    private static string Describe(LintFinding finding) =>
        $"{finding.RuleId ?? "(set)"}{(finding.Line is { } line ? $" (line {line})" : "")}: {finding.Reason}";
}
