namespace Prefilter.Engine.Messages;

/// <summary>Finds the header block in raw message bytes: mbox separators, junk first lines, the blank line that ends it, its size cap.</summary>
internal static class RawHeaderBlock
{
    /// <summary>
    /// Whether the text opens with a header block: one of its first three lines is a header field (junk
    /// before it and between fields is then skipped, as SpamAssassin reads every line before the blank
    /// line as a header); otherwise it is all body.
    /// </summary>
    public static bool StartsWithHeaderLines(ReadOnlySpan<byte> span)
    {
        for (int i = 0; i < 3 && !span.IsEmpty; i++)
        {
            int newline = span.IndexOf((byte)'\n');
            var line = (newline < 0 ? span : span[..newline]).TrimEnd((byte)'\r');
            if (line.IsEmpty)
            {
                return false;
            }

            if (IsHeaderLine(line))
            {
                return true;
            }

            span = newline < 0 ? default : span[(newline + 1)..];
        }

        return false;
    }

    /// <summary>Drops a first line that is not a header field when the line after it is one.</summary>
    public static bool TrySkipJunkFirstLine(ref ReadOnlyMemory<byte> first)
    {
        var span = first.Span;
        int newline = span.IndexOf((byte)'\n');
        if (newline < 0 || IsHeaderLine(span[..newline]) || !IsHeaderLine(span[(newline + 1)..]))
        {
            return false;
        }

        first = first[(newline + 1)..];
        return true;
    }

    /// <summary>Whether a line starts with a field name and a colon.</summary>
    public static bool IsHeaderLine(ReadOnlySpan<byte> line)
    {
        int colon = line.IndexOf((byte)':');
        return colon > 0 && !line[..colon].ContainsAnyExceptInRange((byte)'!', (byte)'~');
    }

    /// <summary>Drops leading mbox <c>From </c> lines, which are no part of the message.</summary>
    public static ReadOnlyMemory<byte> SkipMboxSeparators(ReadOnlyMemory<byte> raw)
    {
        while (raw.Span.StartsWith("From "u8))
        {
            int newline = raw.Span.IndexOf((byte)'\n');
            raw = newline < 0 ? ReadOnlyMemory<byte>.Empty : raw[(newline + 1)..];
        }

        return raw;
    }

    /// <summary>
    /// Splits the message so that a header block over the cap is cut at a line end while the body after
    /// it stays: the parser then reads (capped headers)(blank line + body) without any copy.
    /// </summary>
    public static (ReadOnlyMemory<byte> First, ReadOnlyMemory<byte> Second) CutHeaderBlock(
        ReadOnlyMemory<byte> message, int maxHeaderBytes, List<string> notes, ref MessageParts cutParts)
    {
        var span = message.Span;
        if (span.Length <= maxHeaderBytes || HeaderEnd(span[..maxHeaderBytes]) >= 0)
        {
            return (message, ReadOnlyMemory<byte>.Empty);
        }

        int lastNewline = span[..maxHeaderBytes].LastIndexOf((byte)'\n');
        int cut = lastNewline + 1;
        int end = HeaderEnd(span);
        notes.Add($"header block larger than {maxHeaderBytes} bytes; headers after that not read");
        cutParts |= MessageParts.Headers;
        return (message[..cut], end < 0 ? ReadOnlyMemory<byte>.Empty : message[end..]);
    }

    /// <summary>Offset of the blank line that ends the header block, or -1.</summary>
    private static int HeaderEnd(ReadOnlySpan<byte> span)
    {
        int lf = span.IndexOf("\n\n"u8);
        int crlf = span.IndexOf("\n\r\n"u8);
        int found = lf < 0 ? crlf : crlf < 0 ? lf : Math.Min(lf, crlf);
        return found < 0 ? -1 : found + 1;
    }
}
