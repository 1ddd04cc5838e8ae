using System.Text;
using MimeKit;

namespace Prefilter.Engine.Messages;

// The MIME walk: headers and parts as MimeKit parsed them, within the part and depth caps.
internal sealed partial class MessageViewParser
{
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

            if (!HeaderFieldDecoder.IsFieldName(next.Field))
            {
                AddNote("malformed header line skipped");
                continue;
            }

            result.Add(HeaderFieldDecoder.FromMime(next));
        }

        return new MessageHeaders([.. result], options);
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
}
