using MimeKit;

namespace Prefilter.Engine.Messages;

/// <summary>Reads raw bytes into a <see cref="MessageView"/>: MimeKit first, a plain headers-and-text reading when MimeKit gives up.</summary>
/// <remarks>
/// This file caps the raw message and builds the view; the MIME walk, text reading and plain reading live in the
/// other parts of this class.
/// </remarks>
internal sealed partial class MessageViewParser : IDisposable
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
        var message = RawHeaderBlock.SkipMboxSeparators(raw);
        var options = new ParserOptions { MaxMimeDepth = limits.MaxMimeDepth };
        var notes = new List<string>();
        var cutParts = MessageParts.None;
        if (message.Length > limits.MaxFullBytes)
        {
            notes.Add($"full text cut at {limits.MaxFullBytes} bytes");
            cutParts |= MessageParts.Full;
        }

        var (first, second) = RawHeaderBlock.CutHeaderBlock(message, limits.MaxHeaderBytes, notes, ref cutParts);
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

        return ReadMimeOrPlain(message, first, second, options, bytesCut, limits, notes, cutParts);
    }

    /// <summary>Reads with MimeKit, once more without a junk first line, and plainly when MimeKit still refuses.</summary>
    private static MessageView ReadMimeOrPlain(
        ReadOnlyMemory<byte> message, ReadOnlyMemory<byte> first, ReadOnlyMemory<byte> second, ParserOptions options,
        bool bytesCut, MessageLimits limits, List<string> notes, MessageParts cutParts)
    {
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
                if (!skippedFirstLine && RawHeaderBlock.TrySkipJunkFirstLine(ref first))
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
