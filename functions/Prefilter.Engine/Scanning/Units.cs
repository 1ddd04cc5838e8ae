using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// The units of one part of a mail (paragraphs, lines, URIs, header values, or one whole text), with the segments a
/// literal pass runs over: all of a <see cref="TextUnits"/> at once, else each string on its own.
/// </summary>
internal readonly struct Units
{
    private readonly TextUnits? units;
    private readonly IReadOnlyList<string>? list;
    private readonly string? single;

    public Units(string single) => this.single = single;

    public Units(IReadOnlyList<string> list) => this.list = list;

    public Units(TextUnits units) => this.units = units;

    public int Count => this.units?.Count ?? this.list?.Count ?? 1;

    /// <summary>The units as one text joined by <c>'\n'</c>, when they come that way.</summary>
    public TextUnits? Joined => this.units;

    public ReadOnlySpan<char> this[int unit] => this.units is not null ? this.units.GetSpan(unit) : this.list is not null ? this.list[unit] : this.single;

    public int Segments => this.units is not null ? Math.Min(1, this.units.Count) : Count;

    public ReadOnlySpan<char> SegmentText(int segment) => this.units is not null ? this.units.Text : this[segment];

    public int FirstUnitOf(int segment) => this.units is not null ? 0 : segment;

    /// <summary>Where the unit starts in its segment's text.</summary>
    public int StartOf(int unit) => this.units is not null ? this.units.GetStart(unit) : 0;

    /// <summary>Where the unit ends in its segment's text (past its last character).</summary>
    public int EndOf(int unit)
    {
        if (this.units is null)
        {
            return int.MaxValue;
        }

        return unit < this.units.Count ? this.units.GetStart(unit) + this.units.GetLength(unit) : int.MaxValue;
    }
}
