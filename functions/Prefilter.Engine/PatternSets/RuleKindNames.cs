using System.Diagnostics.CodeAnalysis;

namespace Prefilter.Engine.PatternSets;

/// <summary>The JSON names of <see cref="RuleKind"/> values: <c>header body rawbody uri full attachment list meta check</c>.</summary>
public static class RuleKindNames
{
    private static readonly string[] Names = ["header", "body", "rawbody", "uri", "full", "attachment", "list", "meta", "check"];

    /// <summary>All kind names in <see cref="RuleKind"/> order.</summary>
    public static IReadOnlyList<string> All => Names;

    /// <summary>The JSON name of a kind, e.g. <c>rawbody</c> for <see cref="RuleKind.RawBody"/>.</summary>
    /// <param name="kind">The kind.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="kind"/> is not a defined value.</exception>
    public static string ToName(RuleKind kind) =>
        (uint)kind < (uint)Names.Length ? Names[(int)kind] : throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a rule kind.");

    /// <summary>Looks up a kind by its JSON name (exact, lowercase).</summary>
    /// <param name="name">The name.</param>
    /// <param name="kind">The kind when found.</param>
    /// <returns>True when <paramref name="name"/> is a kind name.</returns>
    public static bool TryParse([NotNullWhen(true)] string? name, out RuleKind kind)
    {
        var index = Array.IndexOf(Names, name);
        kind = (RuleKind)Math.Max(index, 0);
        return index >= 0;
    }
}
