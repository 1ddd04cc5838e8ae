using System.Collections.Concurrent;
using System.Text;
using System.Text.Unicode;

namespace Prefilter.Engine.Messages;

/// <summary>
/// Decodes text bytes with the charset a part declares, never throwing: an unknown charset, a missing one
/// or bytes that are not valid in the declared one fall back to UTF-8 when the bytes are valid UTF-8, else
/// to Latin-1 (each byte one character, which is how SpamAssassin sees undecodable text).
/// </summary>
internal static class CharsetDecoder
{
    private const int MaxCachedCharsets = 256;

    private static readonly ConcurrentDictionary<string, Encoding?> Encodings = new(StringComparer.OrdinalIgnoreCase);

    /// <param name="bytes">The decoded content bytes.</param>
    /// <param name="charset">The declared charset, or null.</param>
    /// <param name="cut">True when <paramref name="bytes"/> was cut at a cap, so a trailing partial character is dropped, not a reason to fall back.</param>
    /// <param name="note">Set when the text was decoded with another charset than declared.</param>
    public static string Decode(ReadOnlySpan<byte> bytes, string? charset, bool cut, out string? note)
    {
        note = null;
        if (Ascii.IsValid(bytes))
        {
            return Encoding.Latin1.GetString(bytes);
        }

        Encoding? encoding = string.IsNullOrWhiteSpace(charset) ? null : Lookup(charset.Trim());
        if (encoding is not null && encoding.CodePage is not (65001 or 20127))
        {
            return encoding.GetString(bytes);
        }

        // UTF-8, US-ASCII (which 8-bit bytes violate), no charset, or an unknown one.
        var utf8 = cut ? TrimPartialUtf8(bytes) : bytes;
        if (Utf8.IsValid(utf8))
        {
            if (encoding is null && charset is not null)
            {
                note = $"charset {charset} unknown, decoded as UTF-8";
            }

            return Encoding.UTF8.GetString(utf8);
        }

        note = encoding is null && !string.IsNullOrWhiteSpace(charset)
            ? $"charset {charset} unknown, decoded as Latin-1"
            : $"8-bit text not valid in charset {charset ?? "(none)"}, decoded as Latin-1";
        return Encoding.Latin1.GetString(bytes);
    }

    private static Encoding? Lookup(string charset)
    {
        if (Encodings.TryGetValue(charset, out var cached))
        {
            return cached;
        }

        var encoding = Resolve(charset);

        // Charset names come from senders: cap the cache so random names cannot grow it without end.
        if (Encodings.Count < MaxCachedCharsets)
        {
            Encodings.TryAdd(charset, encoding);
        }

        return encoding;
    }

    private static Encoding? Resolve(string charset)
    {
        var encoding = CodePagesEncodingProvider.Instance.GetEncoding(charset);
        if (encoding is not null)
        {
            return encoding;
        }

        try
        {
            return Encoding.GetEncoding(charset);
        }
        catch (ArgumentException)
        {
            // Not a charset .NET knows: the caller falls back and notes it.
            return null;
        }
        catch (NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>Drops an incomplete UTF-8 sequence at the end of bytes cut at a cap.</summary>
    private static ReadOnlySpan<byte> TrimPartialUtf8(ReadOnlySpan<byte> bytes)
    {
        int continuation = 0;
        int i = bytes.Length - 1;
        while (i >= 0 && continuation < 3 && (bytes[i] & 0xC0) == 0x80)
        {
            continuation++;
            i--;
        }

        if (i < 0)
        {
            return bytes;
        }

        byte lead = bytes[i];
        int needed = lead >= 0xF0 ? 3 : lead >= 0xE0 ? 2 : lead >= 0xC0 ? 1 : 0;
        return needed > continuation ? bytes[..i] : bytes;
    }
}
