namespace Prefilter.Engine.Linting;

/// <summary>One reason a pattern set is refused.</summary>
/// <param name="RuleId">The rule the finding is about; null for the set as a whole or a rule without a readable id.</param>
/// <param name="Line">1-based line in the JSON document where the rule (or member) starts; null when linting a set object.</param>
/// <param name="Reason">What is wrong, in plain words.</param>
public sealed record LintFinding(string? RuleId, int? Line, string Reason)
{
    /// <inheritdoc />
    public override string ToString() => (Line, RuleId) switch
    {
        (not null, not null) => $"line {Line}, rule {RuleId}: {Reason}",
        (not null, null) => $"line {Line}: {Reason}",
        (null, not null) => $"rule {RuleId}: {Reason}",
        _ => Reason,
    };
}
