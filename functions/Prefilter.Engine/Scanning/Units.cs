using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// The units of one part of a mail (paragraphs, lines, URIs, header values, or one whole text), with the segments a
/// literal pass runs over: all of a <see cref="TextUnits"/> at once, else each string on its own.
/// </summary>
internal readonly struct Units
{
    private readonly TextUnits? _units;
    private readonly IReadOnlyList<string>? _list;
    private readonly string? _single;

    public Units(string single) => _single = single;

    public Units(IReadOnlyList<string> list) => _list = list;

    public Units(TextUnits units) => _units = units;

    public int Count => _units?.Count ?? _list?.Count ?? 1;

    /// <summary>The units as one text joined by <c>'\n'</c>, when they come that way.</summary>
    public TextUnits? Joined => _units;

    public ReadOnlySpan<char> this[int unit] => _units is not null ? _units.GetSpan(unit) : _list is not null ? _list[unit] : _single;

    public int Segments => _units is not null ? Math.Min(1, _units.Count) : Count;

    public ReadOnlySpan<char> SegmentText(int segment) => _units is not null ? _units.Text : this[segment];

    public int FirstUnitOf(int segment) => _units is not null ? 0 : segment;

    /// <summary>Where the unit starts in its segment's text.</summary>
    public int StartOf(int unit) => _units is not null ? _units.GetStart(unit) : 0;

    /// <summary>Where the unit ends in its segment's text (past its last character).</summary>
    public int EndOf(int unit)
    {
        if (_units is null)
        {
            return int.MaxValue;
        }

        return unit < _units.Count ? _units.GetStart(unit) + _units.GetLength(unit) : int.MaxValue;
    }
}
