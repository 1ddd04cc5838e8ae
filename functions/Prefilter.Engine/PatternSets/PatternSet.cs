namespace Prefilter.Engine.PatternSets;

/// <summary>
/// A pattern set: the rules, thresholds and metadata that a scan applies to a mail.
/// Immutable; named by the SHA-256 digest of its canonical JSON form.
/// </summary>
public sealed record PatternSet
{
    /// <summary>Human name of the set, e.g. <c>corp-antispam</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Operator-chosen version label, e.g. <c>2026.11.28-1</c>.</summary>
    public required string Version { get; init; }

    /// <summary>When the set was created.</summary>
    public required DateTimeOffset Created { get; init; }

    /// <summary>Free text for operators.</summary>
    public string? Description { get; init; }

    /// <summary>Score thresholds that map a total score to an action.</summary>
    public Thresholds Thresholds { get; init; } = new();

    /// <summary>
    /// Mail providers anyone can sign up with, for the <c>freemail_*</c> checks: domains, matched exactly
    /// (case-insensitively), or with <c>*</c> (any characters but a dot) and <c>?</c> (one character), e.g. <c>yahoo.*</c>.
    /// </summary>
    public IReadOnlyList<string> FreemailDomains { get; init; } = [];

    /// <summary>The rules, in document order.</summary>
    public required IReadOnlyList<Rule> Rules { get; init; }
}

/// <summary>Score thresholds: below <see cref="Tag"/> a mail is delivered as is.</summary>
/// <param name="Tag">From this score on the mail is delivered with a spam tag.</param>
/// <param name="Quarantine">From this score on the mail is quarantined and not relayed.</param>
public sealed record Thresholds(double Tag = 5.0, double Quarantine = 10.0)
{
    /// <summary>The action for a total score.</summary>
    public VerdictAction ActionFor(double score) =>
        score >= Quarantine ? VerdictAction.Quarantine
        : score >= Tag ? VerdictAction.Tag
        : VerdictAction.Deliver;
}

/// <summary>What happens to a mail after its scan.</summary>
public enum VerdictAction
{
    /// <summary>Relay unchanged (apart from the verdict headers).</summary>
    Deliver,

    /// <summary>Relay, marked as spam.</summary>
    Tag,

    /// <summary>Keep in quarantine; do not relay.</summary>
    Quarantine,
}
