namespace Prefilter.Engine.PatternSets;

/// <summary>The part of a mail a rule reads, and so how it matches.</summary>
public enum RuleKind
{
    /// <summary>A named header (<see cref="Rule.Header"/>), <c>ALL</c> headers, <c>Name:addr</c>, <c>Name:name</c>, or <c>exists:Name</c>.</summary>
    Header,

    /// <summary>Decoded text of all text parts (HTML rendered to text), matched per paragraph with the Subject first.</summary>
    Body,

    /// <summary>Decoded text parts before rendering, matched per line.</summary>
    RawBody,

    /// <summary>Every URI found in the text and HTML parts, one at a time.</summary>
    Uri,

    /// <summary>The raw message, headers and undecoded body.</summary>
    Full,

    /// <summary>Attachment file names or content types (<see cref="Rule.Target"/>).</summary>
    Attachment,

    /// <summary>Exact addresses and domains (with their subdomains) looked up by hash, never by regex.</summary>
    List,

    /// <summary>A boolean or arithmetic expression over other rules (<see cref="Rule.Expression"/>).</summary>
    Meta,

    /// <summary>A built-in check of the engine (<see cref="Rule.Check"/> with <see cref="Rule.Args"/>), e.g. a Date header shifted from the Received headers.</summary>
    Check,
}

/// <summary>
/// One rule of a <see cref="PatternSet"/>. Which members apply depends on <see cref="Kind"/>;
/// <c>PatternSetLinter</c> refuses a rule that lacks what its kind needs.
/// </summary>
public sealed record Rule
{
    /// <summary>Unique id within the set, e.g. <c>SUBJ_ALL_CAPS</c>.</summary>
    public required string Id { get; init; }

    /// <summary>What the rule reads.</summary>
    public required RuleKind Kind { get; init; }

    /// <summary>Plain-language description, shown in verdicts and reports.</summary>
    public string? Description { get; init; }

    /// <summary>Score added when the rule hits. Must be finite. Rules with score 0 still hit and feed metas.</summary>
    public double Score { get; init; }

    /// <summary>Free-form flags (SpamAssassin <c>tflags</c> such as <c>nice</c>, <c>multiple</c>, <c>net</c>).</summary>
    public IReadOnlyList<string> Flags { get; init; } = [];

    /// <summary>
    /// .NET regular expression for regex kinds (header, body, rawbody, uri, full, attachment).
    /// Options are inline, e.g. <c>(?i)</c>.
    /// </summary>
    public string? Pattern { get; init; }

    /// <summary>For header rules: true when the rule hits if the pattern does <em>not</em> match (SpamAssassin <c>!~</c>).</summary>
    public bool Negate { get; init; }

    /// <summary>
    /// For header rules: <c>Subject</c>, <c>ALL</c>, <c>From:addr</c>, <c>From:name</c>, <c>exists:X-Mailer</c>.
    /// For list rules: the address header to look up (default <c>From:addr</c>).
    /// </summary>
    public string? Header { get; init; }

    /// <summary>For header rules: value used when the header is absent (SpamAssassin <c>[if-unset: …]</c>).</summary>
    public string? IfUnset { get; init; }

    /// <summary>For attachment rules: <c>filename</c> or <c>contentType</c>.</summary>
    public string? Target { get; init; }

    /// <summary>For list rules: exact addresses, compared case-insensitively.</summary>
    public IReadOnlyList<string> Addresses { get; init; } = [];

    /// <summary>For list rules: domains, matching themselves and every subdomain.</summary>
    public IReadOnlyList<string> Domains { get; init; } = [];

    /// <summary>For meta rules: e.g. <c>(A &amp;&amp; !B) || (C + D + E &gt;= 2)</c>.</summary>
    public string? Expression { get; init; }

    /// <summary>For check rules: the built-in check's name, e.g. <c>shifted_date</c>.</summary>
    public string? Check { get; init; }

    /// <summary>For check rules: the check's arguments, in order, e.g. <c>[-6, -3]</c>.</summary>
    public IReadOnlyList<CheckArgument> Args { get; init; } = [];
}
