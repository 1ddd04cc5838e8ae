using Prefilter.Engine.Checks;
using Prefilter.Engine.Linting;
using Prefilter.Engine.Messages;
using Prefilter.Engine.Meta;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// A pattern set compiled for scanning: immutable, thread-safe, shared by every scan, named by the set's digest.
/// </summary>
/// <remarks>
/// <para>Compiling analyzes every regex (<see cref="RegexAnalyzer"/>), groups the rules by the part of the mail they
/// read, stores identical (part, regex) pairs once, and builds one literal index per part. Regex engines are built
/// on first use, so compiling stays cheap and a cold instance pays only for the rules its first mails wake.</para>
/// <para>A scan parses the mail once, runs each part's literal pass (one Aho-Corasick automaton per part), runs a
/// regex only on the units (paragraph, header value, URI, line) that hold one of its literals and a literal of each of
/// its other mandatory parts — or, for regexes without a useful literal (<see cref="UnfilteredRegexes"/>), over the
/// part's units joined and a group of them at once; look-alike rules that a non-ASCII letter wakes are also tested a
/// group at a time — decides header rules on absent headers without a regex, looks up list rules by hash, and
/// evaluates meta rules once over the hits (only those that read a rule that hit).</para>
/// </remarks>
public sealed partial class CompiledPatternSet
{
    private readonly ScanTarget[] targets;
    private readonly CompiledRule[] rules;
    private readonly RuleHits ruleHits;
    private readonly FreemailDomains freemail;
    private readonly int checkCount;
    private readonly ScanCheck[] checks;
    private readonly LinearEngineCache engines;
    private readonly HyperscanScratchPool? scratches;

    // A cap that cut a part no rule reads (a 1 MB full-text cap on a set without full rules) leaves the verdict whole.
    private readonly MessageParts partsRead;

    private CompiledPatternSet(PatternSet set, string digest, RuleClassCounts classes, ScannerOptions options,
        ScanTarget[] targets, CompiledRule[] rules, RuleHits ruleHits, int checkCount, LinearEngineCache engines)
    {
        this.engines = engines;
        var databases = targets.Select(target => target.Accelerated?.Database).OfType<Hyperscan.HyperscanDatabase>().Distinct().ToList();
        this.scratches = databases.Count > 0 ? new HyperscanScratchPool(databases) : null;
        Accelerator = databases.Count > 0 ? ScanAccelerator.Hyperscan : ScanAccelerator.None;
        AcceleratedRegexes = targets.Sum(target => target.Accelerated?.Served.Length ?? 0);
        this.databaseBytes = databases.Sum(database => database.Size);
        Set = set;
        Digest = digest;
        Classes = classes;
        Options = options;
        this.targets = targets;
        this.rules = rules;
        this.ruleHits = ruleHits;
        this.freemail = new FreemailDomains(set.FreemailDomains ?? []);
        this.checkCount = checkCount;
        this.checks = new ScanCheck[checkCount];
        foreach (var check in targets.SelectMany(target => target.Checks))
        {
            this.checks[check.Index] = check;
        }

        // Headers always count: list rules and absent-header decisions read them without a target of their own.
        this.partsRead = targets.Aggregate(MessageParts.Headers, (parts, target) => parts | target.Part);
        UnfilteredRegexes = targets.Sum(target => target.Unfiltered.Length + target.UnfilteredGroups.Sum(group => group.Checks.Length));
        DistinctRegexes = checkCount;
    }

    private readonly long databaseBytes;

    /// <summary>What runs the set's patterns before .NET's engines: <see cref="ScanAccelerator.None"/> when Hyperscan runs none.</summary>
    public ScanAccelerator Accelerator { get; }

    /// <summary>(Part, regex) pairs Hyperscan runs, exactly or as a screen.</summary>
    public int AcceleratedRegexes { get; }

    /// <summary>Native memory the set holds: its Hyperscan databases and the scratch spaces made for its scans.</summary>
    public long NativeBytes => this.databaseBytes + (this.scratches?.HeldBytes ?? 0);

    /// <summary>The set's Hyperscan databases as an artifact holds them.</summary>
    internal HyperscanDatabases ExportHyperscan() =>
        new(Hyperscan.HyperscanLibrary.Version, [.. this.targets.Where(target => target.Accelerated is not null).Select(target => target.Accelerated!.Export(target.Key))]);

    /// <summary>What the linear engines built on first use hold now, within <see cref="ScannerOptions.LinearEngineBudgetBytes"/>.</summary>
    public LinearEngineUse LinearEngines => new(this.engines.HeldBytes, this.engines.PeakBytes, this.engines.Builds, this.engines.Evictions);

    /// <summary>The set's content digest (lowercase hex SHA-256 of its canonical form).</summary>
    public string Digest { get; }

    /// <summary>The set as compiled.</summary>
    public PatternSet Set { get; }

    /// <summary>How many rules run in each execution class.</summary>
    public RuleClassCounts Classes { get; }

    /// <summary>The options scans use.</summary>
    public ScannerOptions Options { get; }

    /// <summary>
    /// True when the set was compiled from its <see cref="CompiledSetArtifact"/>, without analysing its patterns or
    /// compiling a Hyperscan database.
    /// </summary>
    public bool LoadedFromArtifact { get; private init; }

    /// <summary>Distinct (part, regex) pairs: what a scan evaluates at most once per unit.</summary>
    public int DistinctRegexes { get; }

    /// <summary>
    /// (Part, regex) pairs without a useful literal: they run on every unit of their part and are what a scan costs
    /// beyond parsing.
    /// </summary>
    public int UnfilteredRegexes { get; }

    /// <summary>Compiles a set. Regex engines are built later, on first use.</summary>
    /// <param name="set">The set; it must pass <see cref="PatternSetLinter"/>.</param>
    /// <param name="options">Budgets and sampling; <see cref="ScannerOptions.Default"/> when null.</param>
    /// <param name="artifact">
    /// The set's compiled-set artifact, when there is one: its analysis is used instead of analysing every pattern
    /// again, if it was made from this set by this engine build (<see cref="CompiledSetArtifact.IsFor"/>); otherwise it is
    /// ignored. <see cref="LoadedFromArtifact"/> says which happened.
    /// </param>
    /// <returns>The compiled set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    /// <exception cref="PatternSetRejectedException">Lint refuses the set; carries the findings (rule id, line, reason).</exception>
    public static CompiledPatternSet Compile(PatternSet set, ScannerOptions? options = null, CompiledSetArtifact? artifact = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        options ??= ScannerOptions.Default;
        options.Validate();

        var fromArtifact = artifact is not null && IsArtifactOf(artifact, set);
        var report = fromArtifact ? PatternSetLinter.Lint(set, artifact!.Plans) : PatternSetLinter.Lint(set);
        if (!report.IsValid || report.Digest is null)
        {
            throw new PatternSetRejectedException(set.Name ?? "", report.Findings);
        }

        var builds = new EngineBuildTimer(options.TimeProvider);
        var engines = new LinearEngineCache(options.LinearEngineBudgetBytes, builds);
        var checks = new CheckTable(report.RegexPlans, options, engines, builds);
        var indexOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var rules = new CompiledRule[set.Rules.Count];
        for (var i = 0; i < rules.Length; i++)
        {
            indexOf[set.Rules[i].Id] = i;
        }

        var metas = new List<int>();
        var checkRules = new List<(int Rule, int Check, bool Negate)>();
        var existsRules = new List<(int Rule, string Header)>();
        var listRules = new List<(int Rule, ListMatcher List)>();
        var builtInRules = new List<(int Rule, BuiltInCheck Check)>();
        for (var i = 0; i < rules.Length; i++)
        {
            var rule = set.Rules[i];
            switch (rule.Kind)
            {
                case RuleKind.Meta:
                    var bound = MetaExpression.Parse(rule.Expression!).Bind(id => indexOf.GetValueOrDefault(id, -1));
                    rules[i] = new CompiledRule(rule) { Meta = bound };
                    metas.Add(i);
                    break;
                case RuleKind.List:
                    rules[i] = new CompiledRule(rule);
                    listRules.Add((i, new ListMatcher(rule)));
                    break;
                case RuleKind.Check:
                    rules[i] = new CompiledRule(rule);
                    BuiltInChecks.TryGet(rule.Check, out var builtIn);
                    builtInRules.Add((i, builtIn!.Bind(rule.Args)));
                    break;
                case RuleKind.Header when HeaderSpec.TryParse(rule.Header, out var spec, out _) && spec.Kind == HeaderSpecKind.Exists:
                    rules[i] = new CompiledRule(rule);
                    existsRules.Add((i, spec.Name!));
                    break;
                default:
                    var check = checks.CheckOf(rule);
                    rules[i] = new CompiledRule(rule) { Check = check };
                    checkRules.Add((i, check.Index, rule.Negate));
                    break;
            }
        }

        var ordered = checks.Targets.OrderBy(target => target.Kind).ToArray();
        var accelerate = options.Accelerator == ScanAccelerator.Hyperscan && Hyperscan.HyperscanLibrary.IsAvailable && !options.RunEveryRegexOnEveryUnit;
        var compiledHere = false;
        foreach (var target in ordered)
        {
            var accelerated = accelerate && fromArtifact ? AcceleratedChecks.Load(artifact!.Hyperscan, target) : null;
            if (accelerate && accelerated is null)
            {
                accelerated = AcceleratedChecks.Compile(target.Checks);
                compiledHere |= accelerated is not null;
            }

            target.Seal(engines, accelerated);
        }

        var ruleHits = new RuleHits(rules.Length, checkRules, existsRules, listRules, builtInRules, [.. MetaOrder(rules, metas).Select(meta => (meta, rules[meta].Meta!))]);
        return new CompiledPatternSet(set, report.Digest, report.Classes, options, ordered, rules, ruleHits, checks.Count, engines) { LoadedFromArtifact = fromArtifact && !compiledHere };
    }

    /// <summary>The checks of the regex rules: identical (part, regex) pairs stored once, identical regexes built once.</summary>
    private sealed class CheckTable(
        IReadOnlyDictionary<string, RegexPlan> plans, ScannerOptions options, LinearEngineCache engines, EngineBuildTimer builds)
    {
        private readonly Dictionary<string, ScanTarget> targets = new(StringComparer.Ordinal);
        private readonly Dictionary<(ScanTarget, string), ScanCheck> checks = [];
        private readonly Dictionary<string, RuleRegex> regexes = new(StringComparer.Ordinal);

        public int Count => this.checks.Count;

        public IEnumerable<ScanTarget> Targets => this.targets.Values;

        public ScanCheck CheckOf(Rule rule)
        {
            var (kind, header) = TargetOf(rule);
            var key = ScanTarget.KeyOf(kind, header, rule.IfUnset);
            if (!this.targets.TryGetValue(key, out var target))
            {
                this.targets.Add(key, target = new ScanTarget(kind, header, kind is TargetKind.HeaderValue or TargetKind.HeaderRaw or TargetKind.HeaderAddresses or TargetKind.HeaderDisplayNames ? rule.IfUnset : null));
            }

            if (!this.checks.TryGetValue((target, rule.Pattern!), out var check))
            {
                if (!this.regexes.TryGetValue(rule.Pattern!, out var regex))
                {
                    var plan = plans.TryGetValue(rule.Pattern!, out var known) ? known : RegexAnalyzer.Analyze(rule.Pattern!);
                    this.regexes.Add(rule.Pattern!, regex = new RuleRegex(plan, engines, builds,
                        options.BacktrackingTimeout, options.BacktrackingInputChars, options.BacktrackingOverlapChars, options.EngineMode));
                }

                this.checks.Add((target, rule.Pattern!), check = new ScanCheck(this.checks.Count, target, regex));
                target.Checks.Add(check);
            }

            return check;
        }
    }

    // A set built in code may lack members its digest needs; lint then reports it, without an artifact.
    private static bool IsArtifactOf(CompiledSetArtifact artifact, PatternSet set) =>
        set.Name is not null && set.Version is not null && set.Rules is not null && artifact.IsFor(PatternSetJson.ComputeDigest(set));

    private static (TargetKind Kind, string? Header) TargetOf(Rule rule) => rule.Kind switch
    {
        RuleKind.Body => (TargetKind.Body, null),
        RuleKind.RawBody => (TargetKind.RawBody, null),
        RuleKind.Uri => (TargetKind.Uri, null),
        RuleKind.Full => (TargetKind.Full, null),
        RuleKind.Attachment => (rule.Target == AttachmentTargets.ContentType ? TargetKind.AttachmentContentType : TargetKind.AttachmentFileName, null),
        _ => HeaderSpec.TryParse(rule.Header, out var spec, out _) ? spec.Kind switch
        {
            HeaderSpecKind.All => (TargetKind.HeaderAll, null),
            HeaderSpecKind.Address => (TargetKind.HeaderAddresses, spec.Name),
            HeaderSpecKind.DisplayName => (TargetKind.HeaderDisplayNames, spec.Name),
            HeaderSpecKind.Raw => (TargetKind.HeaderRaw, spec.Name),
            HeaderSpecKind.AllRaw => (TargetKind.HeaderAllRaw, null),
            _ => (TargetKind.HeaderValue, spec.Name),
        } : throw new InvalidOperationException($"Rule {rule.Id} has an invalid header spec that lint let through."),
    };

    // Metas that read metas run after them; lint has refused cycles.
    private static int[] MetaOrder(CompiledRule[] rules, List<int> metas)
    {
        var order = new List<int>(metas.Count);
        var state = new byte[rules.Length];
        foreach (var meta in metas)
        {
            Visit(meta);
        }

        return [.. order];

        void Visit(int index)
        {
            if (state[index] != 0)
            {
                return;
            }

            state[index] = 1;
            foreach (var reference in rules[index].Meta!.Indices)
            {
                if (reference >= 0 && rules[reference].Meta is not null)
                {
                    Visit(reference);
                }
            }

            state[index] = 2;
            order.Add(index);
        }
    }

    /// <summary>A rule as the scanner evaluates it.</summary>
    private sealed class CompiledRule(Rule rule)
    {
        public Rule Rule { get; } = rule;

        /// <summary>For regex rules: the check whose cost is the rule's.</summary>
        public ScanCheck? Check { get; init; }

        /// <summary>For meta rules.</summary>
        public BoundMetaExpression? Meta { get; init; }
    }
}
