using System.Buffers;
using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Prefilter.Engine.Messages;

/// <summary>Reads raw bytes into a <see cref="MessageView"/>: MimeKit first, a plain headers-and-text reading when MimeKit gives up.</summary>
internal sealed class MessageViewParser : IDisposable
{
    private const int MaxNotes = 50;

    // A cap on the message structure cuts everything read from the parts; a cap on text cuts what is read from text.
    private const MessageParts Text = MessageParts.Body | MessageParts.RawBody | MessageParts.Uris;
    private const MessageParts Structure = Text | MessageParts.Attachments;

    private readonly MessageLimits limits;
    private readonly List<string> notes;
    private readonly ParagraphWriter paragraphs;
    private readonly RawLineWriter rawLines;
    private readonly UriCollector uris;
    private readonly List<MessageAttachment> attachments = [];
    private MessageParts cutParts;
    private bool nestedTooDeep;
    private int partsVisited;
    private long textBytesRead;
    private bool bodyStartsWithSubject;

    private MessageViewParser(MessageLimits limits, List<string> notes, MessageParts cutParts)
    {
        this.limits = limits;
        this.notes = notes;
        this.cutParts = cutParts;
        paragraphs = new ParagraphWriter(limits.MaxParagraphChars, limits.MaxParagraphs);
        rawLines = new RawLineWriter(limits.MaxRawBodyLineChars);
        uris = new UriCollector(limits.MaxUris, limits.MaxUriChars);
    }

    public static MessageView Parse(ReadOnlyMemory<byte> raw, MessageLimits limits)
    {
        var message = SkipMboxSeparators(raw);
        var options = new ParserOptions { MaxMimeDepth = limits.MaxMimeDepth };
        var notes = new List<string>();
        var cutParts = MessageParts.None;
        if (message.Length > limits.MaxFullBytes)
        {
            notes.Add($"full text cut at {limits.MaxFullBytes} bytes");
            cutParts |= MessageParts.Full;
        }

        var (first, second) = CutHeaderBlock(message, limits.MaxHeaderBytes, notes, ref cutParts);
        bool bytesCut = first.Length + second.Length < message.Length;
        if (first.Length + second.Length > limits.MaxMessageBytes)
        {
            bytesCut = true;
            notes.Add($"message larger than {limits.MaxMessageBytes} bytes; the rest not parsed");
            cutParts |= Structure;
            first = first[..Math.Min(first.Length, limits.MaxMessageBytes)];
            second = second[..Math.Min(second.Length, limits.MaxMessageBytes - first.Length)];
        }

        if (first.IsEmpty && second.IsEmpty)
        {
            if (message.IsEmpty)
            {
                notes.Add("empty message");
            }

            using var empty = new MessageViewParser(limits, notes, cutParts);
            return empty.Build(message, new MessageHeaders([], options));
        }

        // A damaged first line (a mangled mbox "From " line, a stray banner) makes MimeKit refuse the whole
        // header block; when the next line is a header field, the mail is read again without that line.
        bool skippedFirstLine = false;
        while (true)
        {
            var attemptNotes = new List<string>(notes);
            if (skippedFirstLine)
            {
                attemptNotes.Add("first line is not a header field; skipped");
            }

            using var parser = new MessageViewParser(limits, attemptNotes, cutParts);
            try
            {
                return parser.ReadMime(message, first, second, options, bytesCut);
            }
            catch (Exception exception) when (exception is not OutOfMemoryException)
            {
                if (!skippedFirstLine && TrySkipJunkFirstLine(ref first))
                {
                    skippedFirstLine = true;
                    continue;
                }

                // MimeKit refuses input without a header block and could fail on worse: read it plainly instead of losing the mail.
                notes.Add($"MIME parse failed ({exception.GetType().Name}: {exception.Message}); read as headers and plain text");
                break;
            }
        }

        using var fallback = new MessageViewParser(limits, notes, cutParts);
        return fallback.ReadPlain(message, first, second, options);
    }

    public void Dispose()
    {
        paragraphs.Dispose();
        rawLines.Dispose();
        uris.Dispose();
    }

    /// <summary>
    /// Whether the text opens with a header block: one of its first three lines is a header field (junk
    /// before it and between fields is then skipped, as SpamAssassin reads every line before the blank
    /// line as a header); otherwise it is all body.
    /// </summary>
    private static bool StartsWithHeaderLines(ReadOnlySpan<byte> span)
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

    private static bool TrySkipJunkFirstLine(ref ReadOnlyMemory<byte> first)
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
    private static bool IsHeaderLine(ReadOnlySpan<byte> line)
    {
        int colon = line.IndexOf((byte)':');
        return colon > 0 && !line[..colon].ContainsAnyExceptInRange((byte)'!', (byte)'~');
    }

    private static ReadOnlyMemory<byte> SkipMboxSeparators(ReadOnlyMemory<byte> raw)
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
    private static (ReadOnlyMemory<byte> First, ReadOnlyMemory<byte> Second) CutHeaderBlock(
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

    private static bool IsFieldName(string name)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (char c in name)
        {
            if (c is <= ' ' or > '~' or ':')
            {
                return false;
            }
        }

        return true;
    }

    // What SpamAssassin's Name:raw reads: leading whitespace and folding kept, line breaks as LF, the last one removed.
    private static string RawText(ReadOnlySpan<byte> rawValue)
    {
        var span = rawValue.TrimEnd("\r\n"u8);
        var text = Encoding.Latin1.GetString(span);
        return span.IndexOf((byte)'\r') < 0 ? text : text.Replace("\r\n", "\n", StringComparison.Ordinal);
    }

    /// <summary>
    /// Decodes a header value. Most values are plain ASCII without encoded words, and for those MimeKit's
    /// decoding equals unfolding and trimming (checked on the public corpus: 143,976 of 143,976 values), at
    /// a fraction of the cost; the rest go through MimeKit.
    /// </summary>
    private static MessageHeader ToMessageHeader(Header header)
    {
        var raw = header.RawValue.AsSpan().TrimEnd("\r\n"u8);
        var rawText = RawText(raw);
        if (!Ascii.IsValid(raw) || raw.IndexOf("=?"u8) >= 0)
        {
            return new MessageHeader(header.Field, header.Value, rawText, header.RawValue);
        }

        var value = raw.IndexOfAny((byte)'\r', (byte)'\n') < 0
            ? rawText
            : rawText.Replace("\r", string.Empty, StringComparison.Ordinal).Replace("\n", string.Empty, StringComparison.Ordinal);
        return new MessageHeader(header.Field, value.Trim(), rawText, header.RawValue);
    }

    private MessageView ReadMime(ReadOnlyMemory<byte> message, ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second, ParserOptions options, bool bytesCut)
    {
        using var stream = new SegmentStream(first, second);
        var parser = new MimeParser(options, stream, MimeFormat.Entity, persistent: true);
        using var mime = parser.ParseMessage();
        var headers = ReadHeaders(mime, options);
        WriteSubject(headers);
        Walk(mime.Body, 0);
        if (!bytesCut && mime.Body is Multipart { Boundary: { Length: > 0 } boundary }
            && message.Span.IndexOf(Encoding.Latin1.GetBytes("--" + boundary + "--")) < 0)
        {
            AddNote("broken MIME boundary: the closing boundary of the top-level multipart is missing");
        }

        return Build(message, headers);
    }

    private MessageHeaders ReadHeaders(MimeMessage mime, ParserOptions options)
    {
        // MimeKit moves the top-level Content-* fields to the body entity; merge them back in stream order.
        var top = mime.Headers;
        var content = mime.Body?.Headers;
        var result = new List<MessageHeader>(top.Count + (content?.Count ?? 0));
        int t = 0;
        int c = 0;
        while (t < top.Count || (content is not null && c < content.Count))
        {
            Header next;
            if (content is null || c >= content.Count)
            {
                next = top[t++];
            }
            else if (t >= top.Count || (content[c].Offset ?? long.MaxValue) < (top[t].Offset ?? long.MaxValue))
            {
                next = content[c++];
            }
            else
            {
                next = top[t++];
            }

            if (result.Count >= limits.MaxHeaders)
            {
                AddNote($"more than {limits.MaxHeaders} header fields; the rest not read");
                cutParts |= MessageParts.Headers;
                break;
            }

            if (!IsFieldName(next.Field))
            {
                AddNote("malformed header line skipped");
                continue;
            }

            result.Add(ToMessageHeader(next));
        }

        return new MessageHeaders([.. result], options);
    }

    private void WriteSubject(MessageHeaders headers)
    {
        var subject = headers.GetJoined("Subject");
        if (subject is null)
        {
            AddNote("no Subject header");
            return;
        }

        if (string.IsNullOrWhiteSpace(subject))
        {
            return;
        }

        paragraphs.Write(subject);
        paragraphs.Break();
        bodyStartsWithSubject = paragraphs.Count > 0;
    }

    private void Walk(MimeEntity? entity, int depth)
    {
        if (entity is null)
        {
            return;
        }

        if (++partsVisited > limits.MaxParts)
        {
            AddNote($"more than {limits.MaxParts} MIME parts; the rest not read");
            cutParts |= Structure;
            return;
        }

        if (depth > limits.MaxMimeDepth)
        {
            AddNote($"MIME nesting deeper than {limits.MaxMimeDepth}; deeper parts not read");
            cutParts |= Structure;
            nestedTooDeep = true;
            return;
        }

        switch (entity)
        {
            case Multipart multipart:
                if (multipart.Count == 0)
                {
                    AddNote($"broken MIME boundary: {multipart.ContentType.MimeType} has no parts");
                }

                foreach (var child in multipart)
                {
                    Walk(child, depth + 1);
                }

                break;

            case MessagePart attached:
                if (attached.IsAttachment)
                {
                    attachments.Add(new MessageAttachment(
                        attached.ContentDisposition?.FileName ?? attached.ContentType.Name,
                        attached.ContentType.MimeType.ToLowerInvariant()));
                }

                Walk(attached.Message?.Body, depth + 1);
                break;

            case TextPart text when !text.ContentType.IsMimeType("text", "calendar"):
                if (text.IsAttachment)
                {
                    AddAttachment(text);
                }

                ReadText(text);
                break;

            case MimePart part:
                if (IsContainer(part.ContentType))
                {
                    // MimeKit stops at MaxMimeDepth and keeps the rest as one opaque leaf, a multipart or an attached
                    // message alike; text hidden under either must not pass as scanned.
                    AddNote($"MIME nesting deeper than {limits.MaxMimeDepth}; deeper parts not read");
                    cutParts |= Structure;
                    nestedTooDeep = true;
                }

                AddAttachment(part);
                break;
        }
    }

    // What MimeKit parses into parts of their own when it is within its depth: multiparts and attached messages.
    private static bool IsContainer(ContentType type) =>
        type.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase) ||
        (type.MediaType.Equals("message", StringComparison.OrdinalIgnoreCase) &&
         (type.MediaSubtype.Equals("rfc822", StringComparison.OrdinalIgnoreCase) ||
          type.MediaSubtype.Equals("global", StringComparison.OrdinalIgnoreCase) ||
          type.MediaSubtype.Equals("news", StringComparison.OrdinalIgnoreCase)));

    private void AddAttachment(MimePart part) =>
        attachments.Add(new MessageAttachment(part.FileName, part.ContentType.MimeType.ToLowerInvariant()));

    private void ReadText(TextPart part)
    {
        long budget = limits.MaxTotalTextBytes - textBytesRead;
        if (budget <= 0)
        {
            AddNote($"text past {limits.MaxTotalTextBytes} bytes in total not read");
            cutParts |= Text;
            return;
        }

        int cap = (int)Math.Min(limits.MaxPartTextBytes, budget);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(Math.Min(cap + 1, 16 * 1024));
        try
        {
            int length = 0;
            if (part.Content is not null)
            {
                using var stream = part.Content.Open();
                length = ReadUpTo(stream, ref buffer, cap + 1);
            }

            bool cut = length > cap;
            if (cut)
            {
                length = cap;
                AddNote(cap == limits.MaxPartTextBytes
                    ? $"text part cut at {cap} bytes"
                    : $"text cut at {limits.MaxTotalTextBytes} bytes in total");
                cutParts |= Text;
            }

            textBytesRead += length;
            string text = CharsetDecoder.Decode(buffer.AsSpan(0, length), part.ContentType.Charset, cut, out var note);
            if (note is not null)
            {
                AddNote(note);
            }

            WriteText(text, part.IsHtml);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void WriteText(string text, bool html)
    {
        rawLines.WritePart(text);
        if (html)
        {
            HtmlRenderer.Render(text, paragraphs, uris);
        }
        else
        {
            paragraphs.Write(text);
        }

        paragraphs.Break();
    }

    private static int ReadUpTo(Stream stream, ref byte[] buffer, int max)
    {
        int total = 0;
        while (total < max)
        {
            if (total == buffer.Length)
            {
                var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(max, buffer.Length * 4));
                buffer.AsSpan(0, total).CopyTo(bigger);
                ArrayPool<byte>.Shared.Return(buffer);
                buffer = bigger;
            }

            int read = stream.Read(buffer, total, Math.Min(buffer.Length, max) - total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    /// <summary>
    /// Reads what MimeKit could not: header lines (<c>Name: value</c>, folded lines continued) up to the
    /// first blank or non-header line, the rest as one plain text part without charset.
    /// </summary>
    private MessageView ReadPlain(ReadOnlyMemory<byte> message, ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second, ParserOptions options)
    {
        var span = first.Span;
        var fields = new List<(string Name, List<byte> Raw)>();
        int position = 0;
        bool hasHeaderBlock = StartsWithHeaderLines(span);
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
            else if (IsHeaderLine(line))
            {
                int colon = line.IndexOf((byte)':');
                fields.Add((Encoding.Latin1.GetString(line[..colon]), [.. line[(colon + 1)..]]));
            }
            else
            {
                AddNote("malformed header line skipped");
            }
        }

        var headers = new List<MessageHeader>();
        foreach (var (name, raw) in fields)
        {
            if (headers.Count >= limits.MaxHeaders)
            {
                AddNote($"more than {limits.MaxHeaders} header fields; the rest not read");
                cutParts |= MessageParts.Headers;
                break;
            }

            byte[] rawBytes = [.. raw];
            headers.Add(new MessageHeader(name, Rfc2047.DecodeText(options, rawBytes).Trim(), RawText(rawBytes), rawBytes));
        }

        var view = new MessageHeaders([.. headers], options);
        WriteSubject(view);

        var body = position < span.Length ? first[Math.Min(position, first.Length)..] : ReadOnlyMemory<byte>.Empty;
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

        return Build(message, view);
    }

    private static byte[] Concat(ReadOnlySpan<byte> a, ReadOnlySpan<byte> b)
    {
        var result = new byte[a.Length + b.Length];
        a.CopyTo(result);
        b.CopyTo(result.AsSpan(a.Length));
        return result;
    }

    private MessageView Build(ReadOnlyMemory<byte> message, MessageHeaders headers)
    {
        var body = paragraphs.Build();
        if (paragraphs.Truncated)
        {
            AddNote($"more than {limits.MaxParagraphs} paragraphs; the rest not read");
            cutParts |= MessageParts.Body | MessageParts.Uris;
        }

        uris.ScanText(body.Text);
        if (uris.CountTruncated)
        {
            AddNote($"more than {limits.MaxUris} URIs; the rest not read");
            cutParts |= MessageParts.Uris;
        }

        if (uris.LengthTruncated)
        {
            AddNote($"URI cut at {limits.MaxUriChars} characters");
            cutParts |= MessageParts.Uris;
        }

        return new MessageView(
            message,
            limits.MaxFullBytes,
            headers,
            body,
            bodyStartsWithSubject,
            rawLines.Build(),
            uris.Build(),
            [.. attachments],
            [.. notes],
            cutParts)
        {
            NestedTooDeep = nestedTooDeep,
        };
    }

    private void AddNote(string note)
    {
        if (notes.Count < MaxNotes && !notes.Contains(note))
        {
            notes.Add(note);
        }
    }
}
