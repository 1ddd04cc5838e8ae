using System.Text;
using MimeKit;

namespace Prefilter.Engine.Messages;

// The plain reading, for mail MimeKit gave up on: header lines, then the rest as one text part.
internal sealed partial class MessageViewParser
{
    /// <summary>
    /// Reads what MimeKit could not: header lines (<c>Name: value</c>, folded lines continued) up to the
    /// first blank or non-header line, the rest as one plain text part without charset.
    /// </summary>
    private MessageView ReadPlain(ReadOnlyMemory<byte> message, ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second, ParserOptions options)
    {
        var (fields, position) = ReadPlainFields(first.Span);
        var headers = ToPlainHeaders(fields, options);
        WriteSubject(headers);
        var body = position < first.Length ? first[Math.Min(position, first.Length)..] : ReadOnlyMemory<byte>.Empty;
        ReadPlainBody(body, second);
        return Build(message, headers);
    }

    /// <summary>The header fields with their raw values, and where the body starts.</summary>
    private (List<(string Name, List<byte> Raw)> Fields, int BodyStart) ReadPlainFields(ReadOnlySpan<byte> span)
    {
        var fields = new List<(string Name, List<byte> Raw)>();
        int position = 0;
        bool hasHeaderBlock = RawHeaderBlock.StartsWithHeaderLines(span);
        while (hasHeaderBlock && position < span.Length)
        {
            int newline = span[position..].IndexOf((byte)'\n');
            int lineEnd = newline < 0 ? span.Length : position + newline;
            var line = span[position..lineEnd].TrimEnd((byte)'\r');
            position = lineEnd + 1;
            if (line.IsEmpty)
            {
                break;
            }

            if (line[0] is (byte)' ' or (byte)'\t' && fields.Count > 0)
            {
                fields[^1].Raw.AddRange(line);
            }
            else if (RawHeaderBlock.IsHeaderLine(line))
            {
                int colon = line.IndexOf((byte)':');
                fields.Add((Encoding.Latin1.GetString(line[..colon]), [.. line[(colon + 1)..]]));
            }
            else
            {
                AddNote("malformed header line skipped");
            }
        }

        return (fields, position);
    }

    private MessageHeaders ToPlainHeaders(List<(string Name, List<byte> Raw)> fields, ParserOptions options)
    {
        var headers = new List<MessageHeader>();
        foreach (var (name, raw) in fields)
        {
            if (headers.Count >= limits.MaxHeaders)
            {
                AddNote($"more than {limits.MaxHeaders} header fields; the rest not read");
                cutParts |= MessageParts.Headers;
                break;
            }

            headers.Add(HeaderFieldDecoder.FromPlain(name, [.. raw], options));
        }

        return new MessageHeaders([.. headers], options);
    }

    /// <summary>Reads the body, which may continue past a cut header block into <paramref name="second"/>, as one text part.</summary>
    private void ReadPlainBody(ReadOnlyMemory<byte> body, ReadOnlyMemory<byte> second)
    {
        int cap = Math.Min(limits.MaxPartTextBytes, limits.MaxTotalTextBytes);
        var text = body.Length + second.Length <= cap
            ? Concat(body.Span, second.Span)
            : Concat(body.Span[..Math.Min(body.Length, cap)], second.Span[..Math.Min(second.Length, cap - Math.Min(body.Length, cap))]);
        bool cut = body.Length + second.Length > cap;
        if (cut)
        {
            AddNote($"text part cut at {cap} bytes");
            cutParts |= Text;
        }

        WriteText(CharsetDecoder.Decode(text, null, cut, out var note), html: false);
        if (note is not null)
        {
            AddNote(note);
        }
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var result = new byte[a.Length + b.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        return result;
    }
}
