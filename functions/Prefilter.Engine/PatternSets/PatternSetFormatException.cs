namespace Prefilter.Engine.PatternSets;

/// <summary>
/// A pattern-set document is not valid JSON or does not have the shape of a pattern set
/// (see <c>pattern-set.schema.json</c>). Refuse the document; retrying will not help.
/// </summary>
public sealed class PatternSetFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="ruleId">Id of the rule the problem is in, when inside a rule whose id is known.</param>
    /// <param name="line">1-based line in the document, when known.</param>
    /// <param name="reason">What is wrong, in plain words.</param>
    /// <param name="moreProblems">How many further problems the document has (all are listed by <c>prefilter lint</c>).</param>
    public PatternSetFormatException(string? ruleId, int? line, string reason, int moreProblems = 0)
        : base(Describe(ruleId, line, reason, moreProblems))
    {
        RuleId = ruleId;
        Line = line;
        Reason = reason;
        MoreProblems = moreProblems;
    }

    /// <summary>Id of the rule the problem is in, or null when outside a rule or the id is not known.</summary>
    public string? RuleId { get; }

    /// <summary>1-based line in the document, or null when not known.</summary>
    public int? Line { get; }

    /// <summary>What is wrong, in plain words, without the line and rule id.</summary>
    public string Reason { get; }

    /// <summary>How many further problems the document has besides this one.</summary>
    public int MoreProblems { get; }

    private static string Describe(string? ruleId, int? line, string reason, int moreProblems)
    {
        var where = (line, ruleId) switch
        {
            (not null, not null) => $"line {line}, rule {ruleId}: ",
            (not null, null) => $"line {line}: ",
            (null, not null) => $"rule {ruleId}: ",
            _ => "",
        };
        var more = moreProblems > 0 ? $" (and {moreProblems} more problem{(moreProblems == 1 ? "" : "s")}; lint lists them all)" : "";
        return $"Invalid pattern set: {where}{reason}{more}";
    }
}
