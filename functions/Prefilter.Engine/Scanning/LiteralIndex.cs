using System.Buffers;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// All required literals of the checks that read one part, searched in one vectorised pass
/// (<see cref="SearchValues{T}"/> of strings); each position found is resolved to the literals that start there
/// and the checks they wake. Immutable and thread-safe.
/// </summary>
internal sealed class LiteralIndex
{
    private readonly SearchValues<string> _values;
    private readonly Dictionary<char, Entry[]> _byFirst;
    private readonly StringComparison _comparison;

    /// <param name="literals">Each literal with the global indices of the checks it wakes.</param>
    /// <param name="ignoreCase">Plain literals are matched ignoring case; folded text is already lowercase.</param>
    public LiteralIndex(IReadOnlyDictionary<string, List<int>> literals, bool ignoreCase)
    {
        _comparison = ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        _values = SearchValues.Create([.. literals.Keys], _comparison);
        _byFirst = literals
            .GroupBy(pair => Key(pair.Key[0]))
            .ToDictionary(group => group.Key, group => group.Select(pair => new Entry(pair.Key, [.. pair.Value])).ToArray());
    }

    /// <summary>The next position at or after <paramref name="from"/> where some literal starts, or -1.</summary>
    public int Next(ReadOnlySpan<char> text, int from)
    {
        var found = text[from..].IndexOfAny(_values);
        return found < 0 ? -1 : from + found;
    }

    /// <summary>The literals that may start with <paramref name="first"/>; check each with <see cref="StartsAt"/>.</summary>
    public ReadOnlySpan<Entry> Candidates(char first) =>
        _byFirst.TryGetValue(Key(first), out var entries) ? entries : [];

    public bool StartsAt(ReadOnlySpan<char> text, int position, Entry entry) =>
        text[position..].StartsWith(entry.Literal, _comparison);

    // OrdinalIgnoreCase compares upper-invariant forms, so bucketing by them never separates two equal strings.
    private char Key(char c) => _comparison == StringComparison.Ordinal ? c : char.ToUpperInvariant(c);

    /// <summary>A literal and the checks it wakes.</summary>
    public sealed record Entry(string Literal, int[] Checks);
}
