namespace Prefilter.Engine.PatternSets;

/// <summary>A problem found while reading a pattern-set document.</summary>
internal readonly record struct FormatProblem(string? RuleId, int? Line, string Reason);

/// <summary>One rule object of a document: where it starts, its id when readable, and the rule when it could be read.</summary>
internal sealed record RuleEntry(int? Line, string? Id, Rule? Rule);

/// <summary>
/// What <see cref="PatternSetReader"/> made of a document: every problem, every rule object with its line, and a
/// set built from what could be read (placeholders for unreadable set members), so lint can go on checking meaning.
/// </summary>
internal sealed record PatternSetDocument(
    PatternSet Set,
    IReadOnlyList<RuleEntry> Rules,
    IReadOnlyList<FormatProblem> Problems,
    IReadOnlyDictionary<string, int> SetMemberLines)
{
    public bool IsValid => Problems.Count == 0;

    public PatternSetFormatException ToException()
    {
        var first = Problems[0];
        return new PatternSetFormatException(first.RuleId, first.Line, first.Reason, Problems.Count - 1);
    }
}
