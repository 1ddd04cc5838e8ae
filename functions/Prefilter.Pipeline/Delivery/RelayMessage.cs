using System.Text;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// The bytes a relay sends as a mail's data: the pre-filter's own header lines, then the mail as it was accepted.
/// Nothing is decoded or re-encoded, so DKIM signatures and what the recipient sees survive the relay. Two changes
/// are made, both on purpose: every <c>X-Prefilter-*</c> field in the mail's own header section is removed (a sender
/// must not forge a verdict), and lines end in CRLF — a bare LF or CR becomes CRLF, as SMTP allows no other line
/// ending and a downstream that read a bare one as a line end could be made to see a second message (SMTP
/// smuggling). Data that does not end with a line break gets a final CRLF, which the <c>DATA</c> terminator needs.
/// </summary>
public sealed class RelayMessage
{
    private RelayMessage(byte[] content, bool has8BitData, bool hasNul, int longestLine)
    {
        Content = content;
        Has8BitData = has8BitData;
        HasNul = hasNul;
        LongestLine = longestLine;
    }

    /// <summary>The data to send, before dot-stuffing; lines end in CRLF, the last one included.</summary>
    public ReadOnlyMemory<byte> Content { get; }

    /// <summary>True when a byte is above 127: sent with <c>BODY=8BITMIME</c> where the downstream offers it.</summary>
    public bool Has8BitData { get; }

    /// <summary>True when the data holds a NUL byte, which RFC 5321 data should not; it is sent as it is.</summary>
    public bool HasNul { get; }

    /// <summary>The longest line in bytes, without its CRLF; over 998 breaks RFC 5321's limit, and it is sent as it is.</summary>
    public int LongestLine { get; }

    /// <summary>Builds the data for a relay.</summary>
    /// <param name="prepended">Header lines to put on top, each ending in CRLF (the verdict headers).</param>
    /// <param name="accepted">The mail as stored at ingress (its <c>Received:</c> line included).</param>
    /// <returns>The relay data.</returns>
    /// <exception cref="FormatException"><paramref name="accepted"/> does not start with a header field (<see cref="StartsWithHeaderField"/>).</exception>
    public static RelayMessage Create(ReadOnlySpan<byte> prepended, ReadOnlySpan<byte> accepted)
    {
        if (!StartsWithHeaderField(accepted))
        {
            throw new FormatException(accepted.IsEmpty ? "the mail is empty" : "the mail does not start with a header field");
        }

        using var output = new MemoryStream(prepended.Length + accepted.Length + 64);
        output.Write(prepended);

        // The prepended lines are the pre-filter's own: short, printable ASCII. Only the accepted lines are measured.
        var has8BitData = false;
        var hasNul = false;
        var longestLine = 0;
        var inHeader = true;
        var dropping = false;
        var rest = accepted;
        while (rest.Length > 0)
        {
            var end = rest.IndexOfAny((byte)'\r', (byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            var next = end < 0 ? rest.Length : end + (rest[end] == '\r' && end + 1 < rest.Length && rest[end + 1] == '\n' ? 2 : 1);
            if (inHeader)
            {
                if (line.Length > 0 && line[0] is (byte)' ' or (byte)'\t')
                {
                    // A folded continuation belongs to the field above it.
                }
                else if (FieldName(line) is { } name)
                {
                    dropping = VerdictHeaders.IsOwn(name);
                }
                else
                {
                    // The blank line, or the first line that is not a field: the body starts here.
                    inHeader = false;
                    dropping = false;
                }
            }

            if (!dropping)
            {
                output.Write(line);
                output.Write("\r\n"u8);
                has8BitData |= line.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;
                hasNul |= line.Contains((byte)0);
                longestLine = Math.Max(longestLine, line.Length);
            }

            rest = rest[next..];
        }

        return new RelayMessage(output.ToArray(), has8BitData, hasNul, longestLine);
    }

    /// <summary>
    /// True when <paramref name="content"/> starts with a header field (<c>Name: value</c>), as every message does
    /// (RFC 5322 §3.5). Every door checks this before it accepts a mail, so delivery never meets data it cannot relay.
    /// </summary>
    /// <param name="content">A mail's bytes.</param>
    public static bool StartsWithHeaderField(ReadOnlySpan<byte> content)
    {
        var end = content.IndexOfAny((byte)'\r', (byte)'\n');
        return FieldName(end < 0 ? content : content[..end]) is not null;
    }

    // field-name = 1*ftext (printable ASCII but ':'), then ':' (RFC 5322 §3.6.8); whitespace before the colon is obsolete syntax still seen.
    private static string? FieldName(ReadOnlySpan<byte> line)
    {
        var colon = line.IndexOf((byte)':');
        if (colon <= 0)
        {
            return null;
        }

        var name = line[..colon].TrimEnd(" \t"u8);
        foreach (var b in name)
        {
            if (b is < 33 or > 126)
            {
                return null;
            }
        }

        return name.Length == 0 ? null : Encoding.ASCII.GetString(name);
    }
}
