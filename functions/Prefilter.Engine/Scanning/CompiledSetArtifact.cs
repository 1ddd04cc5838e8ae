using System.Text.Json;
using System.Text.Json.Serialization;
using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// The compiled form of a pattern set as a release artifact: the analysis of every regex (execution class, linear
/// rewrite, literals) and, where Hyperscan runs, its serialized databases (tens of seconds to compile for the
/// SpamAssassin set, milliseconds to load). The release gate makes it once per set digest; an instance that activates
/// the set loads it instead of analysing and compiling.
/// </summary>
/// <remarks>
/// An artifact is valid only for the set digest it names and for the very engine build that made it
/// (<see cref="CurrentEngine"/>, the engine assembly's module version id): what the gate tested is what runs, and an
/// instance on another build analyses the set itself. Artifacts are stored beside the sets, in the same trusted
/// storage as the state that says which set is active.
/// </remarks>
public sealed class CompiledSetArtifact
{
    /// <summary>The artifact format this code reads and writes.</summary>
    public const int FormatVersion = 2;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter<RuleExecutionClass>(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private CompiledSetArtifact(string setDigest, string engine, IReadOnlyList<RegexPlan> plans, HyperscanDatabases? hyperscan)
    {
        SetDigest = setDigest;
        Engine = engine;
        Plans = plans;
        Hyperscan = hyperscan;
    }

    /// <summary>The engine build this process runs; an artifact made by another build is not used.</summary>
    public static string CurrentEngine { get; } = typeof(RegexAnalyzer).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    /// <summary>The digest of the set the artifact was made from.</summary>
    public string SetDigest { get; }

    /// <summary>The engine build that made it.</summary>
    public string Engine { get; }

    /// <summary>The analysis of every distinct pattern of the set.</summary>
    public IReadOnlyList<RegexPlan> Plans { get; }

    /// <summary>
    /// The set's Hyperscan databases, serialized, with the library version that made them; null when the maker had no
    /// Hyperscan. An instance with another version or platform compiles its own (<see cref="CompiledPatternSet.LoadedFromArtifact"/> is then false).
    /// </summary>
    public HyperscanDatabases? Hyperscan { get; }

    /// <summary>Makes the artifact of a set: lints it, which analyses every pattern once.</summary>
    /// <param name="set">The set.</param>
    /// <param name="cancellationToken">Stops the analysis between rules.</param>
    /// <returns>The artifact.</returns>
    /// <exception cref="PatternSetRejectedException">Lint refuses the set.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static CompiledSetArtifact Create(PatternSet set, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var report = PatternSetLinter.Lint(set, cancellationToken);
        if (!report.IsValid || report.Digest is null)
        {
            throw new PatternSetRejectedException(set.Name ?? "", report.Findings);
        }

        var plans = new CompiledSetArtifact(report.Digest, CurrentEngine, [.. report.RegexPlans.Values.OrderBy(plan => plan.Pattern, StringComparer.Ordinal)], null);
        cancellationToken.ThrowIfCancellationRequested();
        var compiled = CompiledPatternSet.Compile(set, ScannerOptions.Default with { Accelerator = ScanAccelerator.Hyperscan }, plans);
        return compiled.Accelerator == ScanAccelerator.Hyperscan
            ? new CompiledSetArtifact(plans.SetDigest, plans.Engine, plans.Plans, compiled.ExportHyperscan())
            : plans;
    }

    /// <summary>True when the artifact was made from the set with <paramref name="digest"/> by this engine build.</summary>
    /// <param name="digest">A set digest.</param>
    public bool IsFor(string digest) => SetDigest == digest && Engine == CurrentEngine;

    /// <summary>Reads an artifact written by <see cref="ToUtf8Json"/>.</summary>
    /// <param name="utf8Json">The document.</param>
    /// <returns>The artifact.</returns>
    /// <exception cref="FormatException">The document is not an artifact of <see cref="FormatVersion"/>.</exception>
    public static CompiledSetArtifact Parse(ReadOnlySpan<byte> utf8Json)
    {
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(utf8Json, Json);
        }
        catch (JsonException exception)
        {
            throw new FormatException($"not a compiled-set artifact: {exception.Message}", exception);
        }

        if (document is not { Format: FormatVersion, SetDigest: { Length: > 0 } digest, Engine: { Length: > 0 } engine, Plans: { } plans })
        {
            throw new FormatException($"not a compiled-set artifact of format {FormatVersion}");
        }

        if (document.Hyperscan is { } hyperscan && (hyperscan.Version is null || hyperscan.Targets is null
            || hyperscan.Targets.Any(target => target.Patterns.Count != target.Uses.Count || target.Patterns.Count != target.Served.Count)))
        {
            throw new FormatException("the artifact's Hyperscan databases are incomplete");
        }

        return new CompiledSetArtifact(digest, engine, [.. plans.Select(ToPlan)], document.Hyperscan);
    }

    /// <summary>The artifact as UTF-8 JSON.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(new Document(FormatVersion, SetDigest, Engine, [.. Plans.Select(FromPlan)], Hyperscan), Json);

    private static PlanEntry FromPlan(RegexPlan plan) => new(
        plan.Pattern,
        plan.Class,
        plan.RefusalReason,
        plan.SyntaxErrorOffset,
        plan.RequiredLiterals,
        plan.LiteralsAreLookAlikeFolded,
        plan.LinearPattern,
        plan.BacktrackingWork,
        plan.StartCheckPattern,
        plan.ScreenPattern,
        plan.ConfirmLiterals,
        plan.MarkerWakes);

    private static RegexPlan ToPlan(PlanEntry entry) => new(
        entry.Pattern ?? throw new FormatException("a plan has no pattern"), entry.Class)
    {
        RefusalReason = entry.RefusalReason,
        SyntaxErrorOffset = entry.SyntaxErrorOffset,
        RequiredLiterals = entry.RequiredLiterals ?? [],
        LiteralsAreLookAlikeFolded = entry.Folded,
        LinearPattern = entry.LinearPattern,
        BacktrackingWork = entry.BacktrackingWork,
        StartCheckPattern = entry.StartCheckPattern,
        ScreenPattern = entry.ScreenPattern,
        ConfirmLiterals = entry.ConfirmLiterals ?? [],
        MarkerWakes = entry.MarkerWakes,
    };

    private sealed record Document(int Format, string? SetDigest, string? Engine, IReadOnlyList<PlanEntry>? Plans, HyperscanDatabases? Hyperscan);

    private sealed record PlanEntry(
        string? Pattern,
        RuleExecutionClass Class,
        string? RefusalReason,
        int? SyntaxErrorOffset,
        IReadOnlyList<string>? RequiredLiterals,
        bool Folded,
        string? LinearPattern,
        long? BacktrackingWork,
        string? StartCheckPattern,
        string? ScreenPattern,
        IReadOnlyList<IReadOnlyList<string>>? ConfirmLiterals,
        byte MarkerWakes);
}

/// <summary>A set's Hyperscan databases as an artifact holds them.</summary>
/// <param name="Version">The Hyperscan version that made them (<c>hs_version</c>).</param>
/// <param name="Targets">One database per part of the mail.</param>
public sealed record HyperscanDatabases(string? Version, IReadOnlyList<HyperscanTargetDatabase>? Targets);

/// <summary>The database of one part of the mail.</summary>
/// <param name="Target">The part (kind, header, absent value).</param>
/// <param name="Patterns">By expression id: the .NET pattern it stands for.</param>
/// <param name="Uses">By expression id: what a match says of the pattern.</param>
/// <param name="Served">By expression id: whether the database holds it (Hyperscan refused the others).</param>
/// <param name="Database">The database, serialized by <c>hs_serialize_database</c>.</param>
public sealed record HyperscanTargetDatabase(string Target, IReadOnlyList<string> Patterns, IReadOnlyList<HyperscanExpressionUse> Uses, IReadOnlyList<bool> Served, byte[] Database);
