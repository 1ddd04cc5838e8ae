using System.Buffers;
using MimeKit;

namespace Prefilter.Engine.Messages;

// Text reading: the subject and each text part decoded within the text caps, written as paragraphs and raw lines.
internal sealed partial class MessageViewParser
{
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
}
