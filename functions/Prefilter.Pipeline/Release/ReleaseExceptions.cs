using Prefilter.Engine.Linting;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Pipeline.Release;

/// <summary>A published set is refused by lint before anything is stored (HTTP 422). Not retryable: fix the set.</summary>
public sealed class PatternSetLintException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="report">The lint report, with every finding (rule id, line, reason).</param>
    public PatternSetLintException(LintReport report)
        : base(Describe(report))
    {
        Report = report;
    }

    /// <summary>The lint report.</summary>
    public LintReport Report { get; }

    private static string Describe(LintReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var first = string.Join("; ", report.Findings.Take(5));
        var more = report.Findings.Count > 5 ? $" (and {report.Findings.Count - 5} more)" : "";
        return $"the pattern set is refused by lint: {first}{more}";
    }
}

/// <summary>Why the current release state does not allow an operation.</summary>
public enum ReleaseConflict
{
    /// <summary>A canary of another version is in progress; cancel it (or let it finish) before publishing again.</summary>
    CanaryInProgress,

    /// <summary>No canary is in progress, or a different version than the caller expected.</summary>
    CanaryMismatch,

    /// <summary>The canary cannot move to the requested stage (not later than its current one).</summary>
    StageNotAhead,

    /// <summary>There is no active set (nothing was ever activated).</summary>
    NoActiveSet,

    /// <summary>A rollback without a target: no last known good version and no canary to stop.</summary>
    NoRollbackTarget,
}

/// <summary>
/// The release state does not allow the operation right now (HTTP 409). Nothing was written. Read the state and
/// decide; retrying unchanged gives the same answer.
/// </summary>
public sealed class ReleaseConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="conflict">What stands in the way.</param>
    /// <param name="message">A sentence for the operator.</param>
    /// <param name="canary">The canary in progress, if any.</param>
    public ReleaseConflictException(ReleaseConflict conflict, string message, PatternCanary? canary = null)
        : base(message)
    {
        Conflict = conflict;
        Canary = canary;
    }

    /// <summary>What stands in the way.</summary>
    public ReleaseConflict Conflict { get; }

    /// <summary>The canary in progress when the operation was refused, if any.</summary>
    public PatternCanary? Canary { get; }
}

/// <summary>The kill switch was asked to disable rules the active set does not have (HTTP 404). Nothing was written.</summary>
public sealed class UnknownRulesException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="version">The active version.</param>
    /// <param name="ruleIds">The ids it does not have.</param>
    public UnknownRulesException(string version, IReadOnlyList<string> ruleIds)
        : base($"the active pattern set {version} has no rule {string.Join(", ", ruleIds)} (a rule the kill switch disabled before is no longer in the set)")
    {
        Version = version;
        RuleIds = ruleIds;
    }

    /// <summary>The active version.</summary>
    public string Version { get; }

    /// <summary>The ids it does not have.</summary>
    public IReadOnlyList<string> RuleIds { get; }
}
