using System.Text;

namespace Prefilter.Engine.Hyperscan;

/// <summary>
/// The UTF-8 form Hyperscan scans. .NET strings are UTF-16, and .NET's regexes read a character outside the Basic
/// Multilingual Plane as two (so <c>.</c> takes half of an emoji); each surrogate becomes one code point of its own,
/// U+F0000 plus its offset from U+D800 (<see cref="CodeOf"/>), so every UTF-16 unit is one code point on both sides; a
/// translated pattern names surrogates the same way, and no category it names holds U+F0000 – U+F07FF.
/// </summary>
internal static class HyperscanText
{
    private const int SurrogateBase = 0xF0000;

    /// <summary>The code point a UTF-16 unit is scanned as: itself, or for a surrogate its stand-in.</summary>
    public static int CodeOf(int unit) => unit is >= 0xD800 and <= 0xDFFF ? SurrogateBase + (unit - 0xD800) : unit;

    /// <summary>The most bytes <paramref name="chars"/> UTF-16 units take.</summary>
    public static int MaxBytes(int chars) => chars * 4;

    /// <summary>Encodes <paramref name="text"/> into <paramref name="utf8"/>, which holds <see cref="MaxBytes"/>; returns the length.</summary>
    public static int Encode(ReadOnlySpan<char> text, Span<byte> utf8)
    {
        if (!text.ContainsAnyInRange('\uD800', '\uDFFF'))
        {
            return Encoding.UTF8.GetBytes(text, utf8);
        }

        var length = 0;
        foreach (var c in text)
        {
            length += new Rune(CodeOf(c)).EncodeToUtf8(utf8[length..]);
        }

        return length;
    }
}
