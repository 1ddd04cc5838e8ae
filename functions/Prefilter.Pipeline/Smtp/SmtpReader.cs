namespace Prefilter.Pipeline.Smtp;

/// <summary>
/// Reads an SMTP client's input: command lines, and the data of a <c>DATA</c> command up to its terminating
/// <c>CRLF . CRLF</c>. One buffer for both, so pipelined commands are read in order, and <see cref="Discard"/> can
/// drop what arrived before a TLS handshake (plain-text command injection, CVE-2011-0411).
/// </summary>
internal sealed class SmtpReader(Stream stream)
{
    private readonly byte[] buffer = new byte[16 * 1024];
    private int start;
    private int end;

    /// <summary>The stream read from; replaced by the TLS stream after <c>STARTTLS</c>.</summary>
    public Stream Stream { get; set; } = stream;

    /// <summary>Drops everything buffered.</summary>
    public void Discard() => start = end = 0;

    /// <summary>
    /// Reads one command line. Lines end with CRLF; a bare LF is taken as a line end too, as Postfix does for
    /// commands (never for data). A line longer than <paramref name="maxLength"/> bytes is read to its end and
    /// reported as <see cref="CommandLine.TooLong"/>.
    /// </summary>
    /// <returns>The line without its ending, or null when the client closed the connection.</returns>
    public async ValueTask<CommandLine?> ReadLineAsync(int maxLength, CancellationToken cancellationToken)
    {
        var tooLong = false;
        using var line = new MemoryStream();
        while (true)
        {
            var span = buffer.AsSpan(start, end - start);
            var lf = span.IndexOf((byte)'\n');
            var take = lf >= 0 ? lf : span.Length;
            if (!tooLong)
            {
                if (line.Length + take > maxLength + 1)
                {
                    tooLong = true;
                }
                else
                {
                    line.Write(span[..take]);
                }
            }

            start += lf >= 0 ? lf + 1 : take;
            if (lf >= 0)
            {
                if (tooLong)
                {
                    return CommandLine.TooLong;
                }

                var bytes = line.GetBuffer().AsSpan(0, (int)line.Length);
                if (bytes.Length > 0 && bytes[^1] == '\r')
                {
                    bytes = bytes[..^1];
                }

                return new CommandLine(bytes.ToArray());
            }

            if (!await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                return null;
            }
        }
    }

    /// <summary>
    /// Reads message data up to the line that holds only a dot, removing the dot that a sender doubles at the start
    /// of a line (RFC 5321 §4.5.2). Only CRLF ends a line, so a bare LF or CR followed by a dot can never end the data
    /// (SMTP smuggling); such bytes stay in the data as they came. Past <paramref name="maxSize"/> bytes the rest is
    /// read and dropped, so the reply still comes at the right place in the conversation.
    /// </summary>
    /// <returns>The data (with the CRLF of its last line), null when it was larger than <paramref name="maxSize"/>.</returns>
    /// <exception cref="EndOfStreamException">The connection closed before the terminating dot.</exception>
    public async ValueTask<byte[]?> ReadDataAsync(long maxSize, CancellationToken cancellationToken)
    {
        using var data = new MemoryStream();
        var oversized = false;
        var atLineStart = true;
        while (true)
        {
            if (end == start && !await FillAsync(cancellationToken).ConfigureAwait(false))
            {
                throw new EndOfStreamException("The client closed the connection during DATA.");
            }

            if (atLineStart && buffer[start] == '.')
            {
                while (end - start < 3)
                {
                    if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                    {
                        throw new EndOfStreamException("The client closed the connection during DATA.");
                    }
                }

                if (buffer[start + 1] == '\r' && buffer[start + 2] == '\n')
                {
                    start += 3;
                    return oversized ? null : data.ToArray();
                }

                // The doubled dot: the rest of the line is data, even when it is a lone dot.
                start++;
                atLineStart = false;
                continue;
            }

            var span = buffer.AsSpan(start, end - start);
            var crlf = span.IndexOf("\r\n"u8);
            var take = crlf >= 0 ? crlf + 2 : span[^1] == '\r' ? span.Length - 1 : span.Length;
            atLineStart = crlf >= 0;
            if (take == 0)
            {
                // A lone CR whose LF is not here yet.
                if (!await FillAsync(cancellationToken).ConfigureAwait(false))
                {
                    throw new EndOfStreamException("The client closed the connection during DATA.");
                }

                continue;
            }

            if (!oversized && data.Length + take > maxSize)
            {
                oversized = true;
                data.SetLength(0);
            }

            if (!oversized)
            {
                data.Write(span[..take]);
            }

            start += take;
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken cancellationToken)
    {
        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            end -= start;
            start = 0;
        }

        if (end == buffer.Length)
        {
            return true;
        }

        var read = await Stream.ReadAsync(buffer.AsMemory(end), cancellationToken).ConfigureAwait(false);
        end += read;
        return read > 0;
    }
}

/// <summary>One command line as read; <see cref="TooLong"/> for a line past the limit.</summary>
/// <param name="Bytes">The line without its ending.</param>
internal sealed record CommandLine(byte[] Bytes)
{
    /// <summary>A line longer than the limit; its bytes were dropped.</summary>
    public static CommandLine TooLong { get; } = new(Array.Empty<byte>());
}
