namespace Prefilter.Engine.Messages;

/// <summary>
/// Splits decoded text into rawbody lines: line breaks (LF or CRLF) removed, a line longer than the cap
/// cut into chunks that end after their last space (SpamAssassin's <c>split_into_array_of_short_lines</c>)
/// or at the cap when there is none.
/// </summary>
internal sealed class RawLineWriter(int maxLineChars) : IDisposable
{
    private readonly TextUnitsBuilder units = new(4096);

    public void WritePart(ReadOnlySpan<char> text)
    {
        while (!text.IsEmpty)
        {
            int newline = text.IndexOf('\n');
            var line = newline < 0 ? text : text[..newline];
            text = newline < 0 ? default : text[(newline + 1)..];
            if (line.EndsWith('\r'))
            {
                line = line[..^1];
            }

            WriteLine(line);
        }
    }

    public TextUnits Build() => units.Build();

    public void Dispose() => units.Dispose();

    private void WriteLine(ReadOnlySpan<char> line)
    {
        while (line.Length > maxLineChars)
        {
            int cut = line[..maxLineChars].LastIndexOf(' ') + 1;
            if (cut == 0)
            {
                cut = maxLineChars;
            }

            units.StartUnit();
            units.Append(line[..cut]);
            line = line[cut..];
        }

        units.StartUnit();
        units.Append(line);
    }
}
