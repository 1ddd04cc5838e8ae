using System.Text.Json;
using System.Text.Json.Serialization;
using Prefilter.Engine.Linting;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// The compiled form of a pattern set as a release artifact: the analysis of every regex (execution class, linear
/// rewrite, literals), which is most of what compiling costs (about 3 s of the SpamAssassin set's cold start). The
/// release gate makes it once per set digest; an instance that activates the set loads it instead of analysing.
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
    public const int FormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter<RuleExecutionClass>(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private CompiledSetArtifact(string setDigest, string engine, IReadOnlyList<RegexPlan> plans)
    {
        SetDigest = setDigest;
        Engine = engine;
        Plans = plans;
    }

    /// <summary>The engine build this process runs; an artifact made by another build is not used.</summary>
    public static string CurrentEngine { get; } = typeof(RegexAnalyzer).Assembly.ManifestModule.ModuleVersionId.ToString("N");

    /// <summary>The digest of the set the artifact was made from.</summary>
    public string SetDigest { get; }

    /// <summary>The engine build that made it.</summary>
    public string Engine { get; }

    /// <summary>The analysis of every distinct pattern of the set.</summary>
    public IReadOnlyList<RegexPlan> Plans { get; }

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

        return new CompiledSetArtifact(report.Digest, CurrentEngine, [.. report.RegexPlans.Values.OrderBy(plan => plan.Pattern, StringComparer.Ordinal)]);
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

        return new CompiledSetArtifact(digest, engine, [.. plans.Select(ToPlan)]);
    }

    /// <summary>The artifact as UTF-8 JSON.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(new Document(FormatVersion, SetDigest, Engine, [.. Plans.Select(FromPlan)]), Json);

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

    private sealed record Document(int Format, string? SetDigest, string? Engine, IReadOnlyList<PlanEntry>? Plans);

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
