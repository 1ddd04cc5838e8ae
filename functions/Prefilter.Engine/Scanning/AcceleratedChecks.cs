using System.Buffers;
using Prefilter.Engine.Hyperscan;
using Prefilter.Engine.Regexes;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// The checks of one <see cref="ScanTarget"/> that Hyperscan runs: its database, and for each expression id the check
/// it stands for and what a match says of it (<see cref="HyperscanExpressionUse"/>).
/// </summary>
internal sealed class AcceleratedChecks
{
    private readonly object absentLock = new();
    private readonly HashSet<int> served = [];
    private HyperscanScratch? absentScratch;

    public AcceleratedChecks(HyperscanDatabase database, int[] checks, string[] patterns, HyperscanExpressionUse[] uses)
    {
        Database = database;
        Checks = checks;
        Patterns = patterns;
        Uses = uses;
        for (var id = 0; id < checks.Length; id++)
        {
            if (checks[id] >= 0)
            {
                this.served.Add(checks[id]);
            }
        }

        Served = [.. this.served];
    }

    public HyperscanDatabase Database { get; }

    /// <summary>By expression id: the check index.</summary>
    public int[] Checks { get; }

    /// <summary>The check indices the database serves (an expression Hyperscan refused serves none).</summary>
    public int[] Served { get; }

    /// <summary>By expression id: the check's .NET pattern (what an artifact names the expression by).</summary>
    public string[] Patterns { get; }

    /// <summary>By expression id: what a match says of the check.</summary>
    public HyperscanExpressionUse[] Uses { get; }

    /// <summary>Whether Hyperscan can run this pattern: .NET's linear engines' plans, whose meaning is whole-unit.</summary>
    public static bool Takes(RegexPlan plan) => plan.Class is RuleExecutionClass.Linear or RuleExecutionClass.LinearWithEdgeCheck;

    /// <summary>
    /// Compiles the database of a target's checks, or returns null when Hyperscan takes none of them.
    /// </summary>
    /// <param name="checks">The target's checks.</param>
    public static AcceleratedChecks? Compile(IReadOnlyList<ScanCheck> checks)
    {
        var expressions = new List<HyperscanExpression>();
        var taken = new List<(ScanCheck Check, HyperscanExpressionUse Use)>();
        foreach (var check in checks.Where(check => Takes(check.Regex.Plan)))
        {
            var pattern = check.Regex.Plan.Pattern;
            if (HyperscanTranslation.Translate(pattern, keepWordBoundaries: false) is not { } screen)
            {
                continue;
            }

            // A pattern whose only inexactness is its word boundaries is exact on ASCII units with them kept; the
            // screen without them serves the other units.
            if (screen.Fidelity != HyperscanFidelity.Exact
                && HyperscanTranslation.Translate(pattern, keepWordBoundaries: true) is { Fidelity: HyperscanFidelity.ExactOnAscii } ascii)
            {
                Add(check, ascii.Expression, HyperscanExpressionUse.ExactOnAscii);
                Add(check, screen.Expression, HyperscanExpressionUse.ScreenOnNonAscii);
            }
            else
            {
                Add(check, screen.Expression, screen.Fidelity == HyperscanFidelity.Exact ? HyperscanExpressionUse.Exact : HyperscanExpressionUse.Screen);
            }
        }

        void Add(ScanCheck check, string expression, HyperscanExpressionUse use)
        {
            expressions.Add(new HyperscanExpression((uint)taken.Count, expression, HyperscanTranslation.Flags));
            taken.Add((check, use));
        }

        var database = HyperscanDatabaseCache.GetOrCompile(expressions, out var refused);
        if (database is null)
        {
            return null;
        }

        // Ids stay those of the full list: a refused expression's id simply never reports.
        var refusedIds = refused.Select(r => r.Expression.Id).ToHashSet();
        return new AcceleratedChecks(
            database,
            [.. taken.Select((t, id) => refusedIds.Contains((uint)id) ? -1 : t.Check.Index)],
            [.. taken.Select(t => t.Check.Regex.Plan.Pattern)],
            [.. taken.Select(t => t.Use)]);
    }

    /// <summary>
    /// The target's checks as an artifact's database holds them, or null when it holds none for the target, was made
    /// by another Hyperscan version or platform, or names a pattern the target does not have.
    /// </summary>
    /// <param name="databases">The artifact's databases.</param>
    /// <param name="target">The target, with all its checks.</param>
    public static AcceleratedChecks? Load(HyperscanDatabases? databases, ScanTarget target)
    {
        if (databases?.Version != HyperscanLibrary.Version || databases?.Targets?.FirstOrDefault(entry => entry.Target == target.Key) is not { } entry)
        {
            return null;
        }

        var byPattern = target.Checks.ToDictionary(check => check.Regex.Plan.Pattern, check => check.Index, StringComparer.Ordinal);
        if (entry.Uses.Any(use => !Enum.IsDefined(use)))
        {
            return null;
        }

        var checks = new int[entry.Patterns.Count];
        for (var id = 0; id < checks.Length; id++)
        {
            if (!entry.Served[id])
            {
                checks[id] = -1;
            }
            else if (!byPattern.TryGetValue(entry.Patterns[id], out checks[id]))
            {
                return null;
            }
        }

        try
        {
            return new AcceleratedChecks(HyperscanDatabase.Deserialize(entry.Database), checks, [.. entry.Patterns], [.. entry.Uses]);
        }
        catch (HyperscanException)
        {
            return null;
        }
    }

    /// <summary>The database as an artifact holds it.</summary>
    /// <param name="target">The target's key.</param>
    public HyperscanTargetDatabase Export(string target) =>
        new(target, Patterns, Uses, [.. Checks.Select(check => check >= 0)], Database.Serialize());

    /// <summary>Whether check <paramref name="check"/> is run by this database.</summary>
    public bool Holds(int check) => this.served.Contains(check);

    /// <summary>
    /// Whether the check's pattern may match <paramref name="text"/>, and whether that is certain. Used once per set
    /// for the value of an absent header.
    /// </summary>
    public (bool Matched, bool Exact) MatchesOnce(int check, string text)
    {
        var ids = new int[Checks.Length];
        var utf8 = new byte[HyperscanText.MaxBytes(text.Length)];
        var length = HyperscanText.Encode(text, utf8);
        int count;
        lock (this.absentLock)
        {
            this.absentScratch ??= HyperscanScratch.Allocate([Database]);
            count = Database.Scan(utf8.AsSpan(0, length), this.absentScratch, ids);
        }

        var ascii = System.Text.Ascii.IsValid(text);
        var matched = false;
        var exact = false;
        foreach (var id in ids.AsSpan(0, count))
        {
            if (Checks[id] == check && AppliesTo(Uses[id], ascii))
            {
                matched = true;
                exact |= Uses[id] is HyperscanExpressionUse.Exact or HyperscanExpressionUse.ExactOnAscii;
            }
        }

        return (matched, exact);
    }

    /// <summary>Whether an expression's match counts on a unit that is (or is not) ASCII only.</summary>
    public static bool AppliesTo(HyperscanExpressionUse use, bool ascii) => use switch
    {
        HyperscanExpressionUse.ExactOnAscii => ascii,
        HyperscanExpressionUse.ScreenOnNonAscii => !ascii,
        _ => true,
    };

    /// <summary>Runs the database over one unit; returns how many expression ids it wrote to <paramref name="matched"/>.</summary>
    public int Scan(ReadOnlySpan<char> unit, HyperscanScratch scratch, Span<int> matched)
    {
        var bytes = ArrayPool<byte>.Shared.Rent(HyperscanText.MaxBytes(unit.Length));
        try
        {
            var length = HyperscanText.Encode(unit, bytes);
            return Database.Scan(bytes.AsSpan(0, length), scratch, matched);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
        }
    }
}
