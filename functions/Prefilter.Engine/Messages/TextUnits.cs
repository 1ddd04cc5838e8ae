using System.Buffers;
using System.Collections;

namespace Prefilter.Engine.Messages;

/// <summary>
/// An ordered list of text units (body paragraphs, rawbody lines, URIs, header values) stored as one
/// string, so a literal search runs once over <see cref="Text"/> and each hit maps back to its unit.
/// </summary>
/// <remarks>
/// <para>Layout: <c>Text = unit0 + "\n" + unit1 + "\n" + … + unitN</c>. Unit <c>i</c> starts at
/// <see cref="GetStart"/> and spans <see cref="GetLength"/> characters. Body paragraphs, rawbody lines and
/// URIs never contain <c>'\n'</c>; header values may (a decoded encoded-word can produce one).</para>
/// <para>A match found in <see cref="Text"/> that lies inside one unit is a match in that unit; a literal
/// that straddles a separator is a false candidate that the regex, run on <see cref="GetSpan"/>, rejects.
/// Run regexes on the unit span, never on <see cref="Text"/> with an offset: anchors and lookarounds must
/// see the unit's own edges.</para>
/// </remarks>
public sealed class TextUnits : IReadOnlyList<string>
{
    private readonly int[] starts;

    internal TextUnits(string text, int[] starts)
    {
        Text = text;
        this.starts = starts;
    }

    /// <summary>No units.</summary>
    public static TextUnits Empty { get; } = new(string.Empty, []);

    /// <summary>All units joined by <c>'\n'</c>.</summary>
    public string Text { get; }

    /// <summary>Number of units.</summary>
    public int Count => starts.Length;

    /// <summary>The unit at <paramref name="index"/> as a new string (allocates; prefer <see cref="GetSpan"/> when scanning).</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a unit index.</exception>
    public string this[int index] => GetSpan(index).ToString();

    /// <summary>Offset of unit <paramref name="index"/> in <see cref="Text"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a unit index.</exception>
    public int GetStart(int index)
    {
        CheckIndex(index);
        return starts[index];
    }

    /// <summary>Length of unit <paramref name="index"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a unit index.</exception>
    public int GetLength(int index)
    {
        CheckIndex(index);
        int end = index + 1 < starts.Length ? starts[index + 1] - 1 : Text.Length;
        return end - starts[index];
    }

    /// <summary>The unit at <paramref name="index"/>, without allocating.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a unit index.</exception>
    public ReadOnlySpan<char> GetSpan(int index) => Text.AsSpan(GetStart(index), GetLength(index));

    /// <summary>The unit at <paramref name="index"/> as memory over <see cref="Text"/>, without allocating.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not a unit index.</exception>
    public ReadOnlyMemory<char> GetMemory(int index) => Text.AsMemory(GetStart(index), GetLength(index));

    /// <summary>
    /// The unit holding offset <paramref name="offset"/> of <see cref="Text"/>. An offset on a separator maps
    /// to the unit before it. Binary search: O(log <see cref="Count"/>).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="offset"/> is outside <see cref="Text"/>, or there are no units.</exception>
    public int IndexOfUnitAt(int offset)
    {
        if (starts.Length == 0 || (uint)offset > (uint)Text.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"Offset outside a text of {Text.Length} characters in {starts.Length} units.");
        }

        int found = Array.BinarySearch(starts, offset);
        return found >= 0 ? found : ~found - 1;
    }

    /// <summary>Copies the units into a new array of strings.</summary>
    public string[] ToArray()
    {
        var result = new string[starts.Length];
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = this[i];
        }

        return result;
    }

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator()
    {
        for (int i = 0; i < starts.Length; i++)
        {
            yield return this[i];
        }
    }

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private void CheckIndex(int index)
    {
        if ((uint)index >= (uint)starts.Length)
        {
            throw new ArgumentOutOfRangeException(nameof(index), index, $"There are {starts.Length} units.");
        }
    }
}

/// <summary>Builds a <see cref="TextUnits"/> in pooled buffers; one allocation for the text, one for the offsets.</summary>
internal sealed class TextUnitsBuilder : IDisposable
{
    private char[] chars;
    private int length;
    private int[] starts;
    private int count;

    public TextUnitsBuilder(int initialChars = 1024)
    {
        chars = ArrayPool<char>.Shared.Rent(initialChars);
        starts = ArrayPool<int>.Shared.Rent(16);
    }

    public int Count => count;

    /// <summary>Length of the unit being written.</summary>
    public int CurrentLength => count == 0 ? 0 : length - starts[count - 1];

    public ReadOnlySpan<char> Current => count == 0 ? default : chars.AsSpan(starts[count - 1], CurrentLength);

    public void StartUnit()
    {
        if (count > 0)
        {
            Append('\n');
        }

        if (count == starts.Length)
        {
            Grow(ref starts, count + 1);
        }

        starts[count++] = length;
    }

    public void Append(char c)
    {
        if (length == chars.Length)
        {
            Grow(ref chars, length + 1);
        }

        chars[length++] = c;
    }

    public void Append(ReadOnlySpan<char> text)
    {
        if (length + text.Length > chars.Length)
        {
            Grow(ref chars, length + text.Length);
        }

        text.CopyTo(chars.AsSpan(length));
        length += text.Length;
    }

    /// <summary>Turns the character at <paramref name="position"/> of the current unit into a separator: the rest becomes a new unit.</summary>
    public void SplitCurrentAt(int position)
    {
        int at = starts[count - 1] + position;
        chars[at] = '\n';
        if (count == starts.Length)
        {
            Grow(ref starts, count + 1);
        }

        starts[count++] = at + 1;
    }

    /// <summary>Drops the current unit when it is empty (and its separator).</summary>
    public void DropCurrentIfEmpty()
    {
        if (count > 0 && CurrentLength == 0)
        {
            count--;
            length = count == 0 ? 0 : length - 1;
        }
    }

    public TextUnits Build() =>
        count == 0 ? TextUnits.Empty : new TextUnits(new string(chars, 0, length), starts.AsSpan(0, count).ToArray());

    public void Dispose()
    {
        ArrayPool<char>.Shared.Return(chars);
        ArrayPool<int>.Shared.Return(starts);
        chars = [];
        starts = [];
    }

    private static void Grow<T>(ref T[] array, int needed)
    {
        var bigger = ArrayPool<T>.Shared.Rent(Math.Max(needed, array.Length * 2));
        array.AsSpan().CopyTo(bigger);
        ArrayPool<T>.Shared.Return(array);
        array = bigger;
    }
}
