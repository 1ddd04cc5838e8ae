namespace Prefilter.Engine.Regexes;

/// <summary>How a rule's regex runs, from the safest class to refusal. See <see cref="RegexAnalyzer.Analyze"/>.</summary>
public enum RuleExecutionClass
{
    /// <summary>Runs on the linear-time engine (<see cref="System.Text.RegularExpressions.RegexOptions.NonBacktracking"/>) as written.</summary>
    Linear,

    /// <summary>
    /// Has lookarounds only at its edges: runs on the linear-time engine after a rewrite that keeps its meaning, plus,
    /// for leading lookaheads, a check of the lookaround at each start the linear core reports.
    /// </summary>
    LinearWithEdgeCheck,

    /// <summary>
    /// Needs the backtracking engine (backreferences, inner lookarounds, atomic groups) and has none of the shapes
    /// that explode; runs on size-capped input under a match timeout.
    /// </summary>
    CheckedBacktracking,

    /// <summary>Cannot be made safe (or is not a valid regex); <see cref="RegexPlan.RefusalReason"/> says why.</summary>
    Refused,
}
