using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.SpamAssassin;

/// <summary>What <see cref="SpamAssassinImporter"/> made of a set of SpamAssassin rule files.</summary>
public sealed record ImportResult
{
    /// <summary>The imported pattern set: every rule that SpamAssassin would run in score set 0 and that converts.</summary>
    public required PatternSet Set { get; init; }

    /// <summary>Rules SpamAssassin defines but the set leaves out, each with its reason.</summary>
    public required IReadOnlyList<SkippedRule> Skipped { get; init; }

    /// <summary>Things worth knowing that did not cost a rule, e.g. meta references replaced by 0.</summary>
    public required IReadOnlyList<ImportNote> Notes { get; init; }

    /// <summary>The rule files read, in the order read.</summary>
    public required IReadOnlyList<string> Files { get; init; }

    /// <summary>Ids of imported rules whose regexes the ReplaceTags plugin expanded.</summary>
    public required IReadOnlyList<string> ExpandedRules { get; init; }

    /// <summary>Number of imported rules.</summary>
    public int Imported => Set.Rules.Count;

    /// <summary>Imported rules by kind.</summary>
    public IReadOnlyDictionary<RuleKind, int> ImportedByKind =>
        Set.Rules.GroupBy(r => r.Kind).OrderBy(g => g.Key).ToDictionary(g => g.Key, g => g.Count());

    /// <summary>Skipped rules by the stable name of their category (see <see cref="SkipCategories.Name"/>).</summary>
    public IReadOnlyDictionary<string, int> SkippedByReason =>
        Skipped.GroupBy(s => SkipCategories.Name(s.Category)).OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
}

/// <summary>A rule that was not imported.</summary>
/// <param name="RuleId">The SpamAssassin rule name.</param>
/// <param name="File">File of the rule's (last) definition.</param>
/// <param name="Line">Line of the rule's (last) definition in <paramref name="File"/>, 1-based.</param>
/// <param name="Category">Class of the reason.</param>
/// <param name="Reason">Plain-language reason, e.g. <c>unsupported regex feature: \K at offset 12</c>.</param>
public sealed record SkippedRule(string RuleId, string File, int Line, SkipCategory Category, string Reason);

/// <summary>A remark about one rule or line that did not stop the import.</summary>
/// <param name="RuleId">The rule concerned, when there is one.</param>
/// <param name="File">The file concerned.</param>
/// <param name="Line">The line concerned, 1-based.</param>
/// <param name="Message">What happened.</param>
public sealed record ImportNote(string? RuleId, string File, int Line, string Message);

/// <summary>Why a rule was skipped.</summary>
public enum SkipCategory
{
    /// <summary>The rule calls a Perl function (<c>eval:</c>) that has no counterpart here.</summary>
    NeedsPerlCode,

    /// <summary>The regex uses a feature .NET lacks or the converted regex does not construct.</summary>
    UnsupportedRegex,

    /// <summary>SpamAssassin itself rejects the regex (bad delimiters, unknown escapes, embedded code).</summary>
    InvalidRegex,

    /// <summary>The header rule reads something the pattern-set model has no way to express.</summary>
    UnsupportedHeader,

    /// <summary>Score 0 in score set 0: SpamAssassin does not run the rule, not even for metas.</summary>
    DisabledByScore,

    /// <summary>The regex uses a tag captured by another rule (<c>%{NAME}</c>).</summary>
    CapturedTags,

    /// <summary>The meta expression is not valid (SpamAssassin rejects it too).</summary>
    InvalidMeta,

    /// <summary>The meta depends on itself through other metas; SpamAssassin excludes it.</summary>
    MetaCycle,

    /// <summary>The rule line is malformed (SpamAssassin rejects it too).</summary>
    InvalidRule,

    /// <summary>
    /// The converted regex could take super-linear time in a way the engine cannot make safe
    /// (<see cref="Regexes.RegexAnalyzer"/> classes it <see cref="Regexes.RuleExecutionClass.Refused"/>), so lint would refuse the set.
    /// </summary>
    RefusedByEngine,
}

/// <summary>Stable names of <see cref="SkipCategory"/> values for reports and JSON.</summary>
public static class SkipCategories
{
    /// <summary>The stable kebab-case name of a category, e.g. <c>needs-perl-code</c>.</summary>
    /// <param name="category">The category.</param>
    /// <returns>The name.</returns>
    public static string Name(SkipCategory category) => category switch
    {
        SkipCategory.NeedsPerlCode => "needs-perl-code",
        SkipCategory.UnsupportedRegex => "unsupported-regex",
        SkipCategory.InvalidRegex => "invalid-regex",
        SkipCategory.UnsupportedHeader => "unsupported-header",
        SkipCategory.DisabledByScore => "disabled-by-score",
        SkipCategory.CapturedTags => "captured-tags",
        SkipCategory.InvalidMeta => "invalid-meta",
        SkipCategory.MetaCycle => "meta-cycle",
        SkipCategory.InvalidRule => "invalid-rule",
        SkipCategory.RefusedByEngine => "refused-by-engine",
        _ => throw new ArgumentOutOfRangeException(nameof(category), category, "unknown skip category"),
    };
}
