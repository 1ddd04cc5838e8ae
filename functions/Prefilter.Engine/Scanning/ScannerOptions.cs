using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// Budgets and sampling for <see cref="CompiledPatternSet.Scan"/>. Bound from configuration; <see cref="Validate"/>
/// refuses values that would disable a budget.
/// </summary>
/// <remarks>
/// What bounds the work of one scan: the caps of <see cref="Limits"/> bound every text a regex reads (a body
/// paragraph at most <see cref="MessageLimits.MaxParagraphChars"/>, a rawbody line
/// <see cref="MessageLimits.MaxRawBodyLineChars"/>, a URI <see cref="MessageLimits.MaxUriChars"/>, the full text
/// <see cref="MessageLimits.MaxFullBytes"/>, header values <see cref="MessageLimits.MaxHeaderBytes"/>, and their
/// counts <see cref="MessageLimits.MaxParagraphs"/>, <see cref="MessageLimits.MaxUris"/>,
/// <see cref="MessageLimits.MaxHeaders"/>, <see cref="MessageLimits.MaxTotalTextBytes"/>); linear rules cost at most a
/// constant per character of that; backtracking rules additionally run on pieces of at most
/// <see cref="BacktrackingInputChars"/> characters under <see cref="BacktrackingTimeout"/>; and
/// <see cref="Deadline"/> is checked before every regex run, so a scan overruns it by at most one run.
/// </remarks>
public sealed record ScannerOptions
{
    /// <summary>The defaults.</summary>
    public static ScannerOptions Default { get; } = new();

    /// <summary>
    /// Time a scan may take before it stops running rules and returns an incomplete verdict. Default 2 s.
    /// Checked before every regex run, against <see cref="TimeProvider"/>. Time spent building regex engines on first
    /// use (<see cref="ScanResult.EngineBuildTime"/>) does not count: it is a one-time cost of the set, not of the mail.
    /// </summary>
    public TimeSpan Deadline { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Caps on what of a mail is parsed and handed to rules (owned by the message view).</summary>
    public MessageLimits Limits { get; init; } = MessageLimits.Default;

    /// <summary>
    /// Share of scans, 0 to 1, that time every regex run and report <see cref="ScanResult.RuleCosts"/>. Default 0.01.
    /// Like the deadline, the costs leave out engines built on first use.
    /// Mail of at least <see cref="CostSampleMinBytes"/> is always sampled: large mail makes the slow tail.
    /// </summary>
    public double CostSampleRate { get; init; } = 0.01;

    /// <summary>Mail at least this large is always cost-sampled. Default 256 KiB.</summary>
    public int CostSampleMinBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// Match timeout of one run of a rule on the backtracking engine
    /// (<see cref="Regexes.RuleExecutionClass.CheckedBacktracking"/> and edge checks). Default 100 ms.
    /// A timeout makes the scan incomplete and the rule not hit.
    /// </summary>
    public TimeSpan BacktrackingTimeout { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Longest piece of text the backtracking engine gets in one run; longer texts run in overlapping pieces of this
    /// size (overlap <see cref="BacktrackingOverlapChars"/>), so a match longer than the overlap that spans two pieces
    /// can be missed. Default 16,384.
    /// </summary>
    public int BacktrackingInputChars { get; init; } = 16 * 1024;

    /// <summary>Overlap of consecutive backtracking pieces. Default 1,024.</summary>
    public int BacktrackingOverlapChars { get; init; } = 1024;

    /// <summary>
    /// Which engine runs patterns that are linear on both engines. Default <see cref="ScanEngineMode.Hybrid"/>: the linear
    /// engine's automaton takes 30–700 KB per pattern, the backtracking interpreter about one.
    /// </summary>
    public ScanEngineMode EngineMode { get; init; } = ScanEngineMode.Hybrid;

    /// <summary>
    /// What runs patterns before .NET's engines. Default <see cref="ScanAccelerator.Hyperscan"/>, which a process
    /// without the library (or with <c>PREFILTER_HYPERSCAN=off</c> in its environment) runs as
    /// <see cref="ScanAccelerator.None"/>; <see cref="CompiledPatternSet.Accelerator"/> says which ran.
    /// </summary>
    public ScanAccelerator Accelerator { get; init; } = ScanAccelerator.Hyperscan;

    /// <summary>
    /// The most memory a compiled set's linear engines may hold, as estimated by what their builds allocated; beyond
    /// it, the engines least recently used are dropped and rebuilt when next needed (<see cref="CompiledPatternSet.LinearEngines"/>
    /// counts the evictions). Default 2 GiB, above what the imported SpamAssassin set's engines take on the whole public
    /// corpus (about 1.8 GB by this estimate): its look-alike automata take 6–90 MB each, and a budget that evicts them
    /// rebuilds them for most mails.
    /// </summary>
    public long LinearEngineBudgetBytes { get; init; } = 2048L * 1024 * 1024;

    /// <summary>Clock for the deadline, elapsed time and cost samples. Default <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// Reference mode for tests: ignore the literal prefilter and the absent-header shortcut and run every regex on
    /// every unit of its part. Same compiled set, same engines, so any difference in hits is a prefilter bug.
    /// </summary>
    internal bool RunEveryRegexOnEveryUnit { get; init; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A duration, size or rate is out of range; the parameter name is the property.</exception>
    public void Validate()
    {
        if (Deadline < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(Deadline), Deadline, "The deadline cannot be negative.");
        }

        if (BacktrackingTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(BacktrackingTimeout), BacktrackingTimeout, "The backtracking timeout must be positive.");
        }

        if (CostSampleRate is < 0 or > 1 || double.IsNaN(CostSampleRate))
        {
            throw new ArgumentOutOfRangeException(nameof(CostSampleRate), CostSampleRate, "The sample rate is a share between 0 and 1.");
        }

        if (BacktrackingOverlapChars < 0 || BacktrackingInputChars <= BacktrackingOverlapChars)
        {
            throw new ArgumentOutOfRangeException(nameof(BacktrackingInputChars), BacktrackingInputChars, "Backtracking pieces must be longer than their overlap.");
        }

        if (LinearEngineBudgetBytes <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LinearEngineBudgetBytes), LinearEngineBudgetBytes, "The linear engines need a positive budget.");
        }

        if (!Enum.IsDefined(EngineMode))
        {
            throw new ArgumentOutOfRangeException(nameof(EngineMode), EngineMode, "Not an engine mode.");
        }

        if (!Enum.IsDefined(Accelerator))
        {
            throw new ArgumentOutOfRangeException(nameof(Accelerator), Accelerator, "Not an accelerator.");
        }

        ArgumentNullException.ThrowIfNull(Limits);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        Limits.Validate();
    }
}
