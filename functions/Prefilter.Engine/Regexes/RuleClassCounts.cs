namespace Prefilter.Engine.Regexes;

/// <summary>How many rules of a set run in each <see cref="RuleExecutionClass"/>, plus the rules without a regex.</summary>
/// <param name="Linear">Rules in <see cref="RuleExecutionClass.Linear"/>.</param>
/// <param name="LinearWithEdgeCheck">Rules in <see cref="RuleExecutionClass.LinearWithEdgeCheck"/>.</param>
/// <param name="CheckedBacktracking">Rules in <see cref="RuleExecutionClass.CheckedBacktracking"/>.</param>
/// <param name="Refused">Rules in <see cref="RuleExecutionClass.Refused"/>.</param>
/// <param name="NonRegex">Meta, list and <c>exists:</c> rules.</param>
public sealed record RuleClassCounts(int Linear, int LinearWithEdgeCheck, int CheckedBacktracking, int Refused, int NonRegex)
{
    /// <summary>All rules counted.</summary>
    public int Total => Linear + LinearWithEdgeCheck + CheckedBacktracking + Refused + NonRegex;

    /// <summary>The counts with one more rule of <paramref name="executionClass"/>, or one more without a regex when null.</summary>
    /// <param name="executionClass">The class of the added rule; null for a rule without a regex.</param>
    public RuleClassCounts Add(RuleExecutionClass? executionClass) => executionClass switch
    {
        RuleExecutionClass.Linear => this with { Linear = Linear + 1 },
        RuleExecutionClass.LinearWithEdgeCheck => this with { LinearWithEdgeCheck = LinearWithEdgeCheck + 1 },
        RuleExecutionClass.CheckedBacktracking => this with { CheckedBacktracking = CheckedBacktracking + 1 },
        RuleExecutionClass.Refused => this with { Refused = Refused + 1 },
        _ => this with { NonRegex = NonRegex + 1 },
    };
}
