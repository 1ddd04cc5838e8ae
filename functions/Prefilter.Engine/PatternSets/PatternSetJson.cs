using System.Security.Cryptography;
using System.Text;

namespace Prefilter.Engine.PatternSets;

/// <summary>
/// The JSON format of pattern sets (described in <c>PatternSets/README.md</c> and <c>pattern-set.schema.json</c>):
/// reading, writing, the canonical form and the digest that names a set.
/// </summary>
/// <remarks>
/// <see cref="Parse(string)"/> checks the format: JSON syntax, member names and types, required members of the set
/// and of every rule (<c>id</c>, <c>kind</c>), known kinds, finite numbers, dates with an offset. Whether a rule has
/// what its kind needs, whether regexes compile and are safe, and whether metas resolve is checked by
/// <c>PatternSetLinter</c>, which also reports every problem instead of the first.
/// </remarks>
public static class PatternSetJson
{
    private const string SchemaResourceName = "Prefilter.Engine.PatternSets.pattern-set.schema.json";

    /// <summary>Reads a pattern set from JSON text.</summary>
    /// <param name="json">The document.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="json"/> is null.</exception>
    /// <exception cref="PatternSetFormatException">
    /// The document is not a well-formed pattern set; carries the first problem's rule id, line and reason.
    /// </exception>
    public static PatternSet Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Reads a pattern set from a UTF-8 JSON stream (a byte order mark is allowed). Reads the stream to its end.</summary>
    /// <param name="utf8Json">The document.</param>
    /// <returns>The set.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="utf8Json"/> is null.</exception>
    /// <exception cref="PatternSetFormatException">
    /// The document is not a well-formed pattern set; carries the first problem's rule id, line and reason.
    /// </exception>
    public static PatternSet Parse(Stream utf8Json)
    {
        ArgumentNullException.ThrowIfNull(utf8Json);
        using var buffer = new MemoryStream();
        utf8Json.CopyTo(buffer);
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <summary>Reads a pattern set from UTF-8 JSON bytes (a byte order mark is allowed).</summary>
    /// <param name="utf8Json">The document.</param>
    /// <returns>The set.</returns>
    /// <exception cref="PatternSetFormatException">
    /// The document is not a well-formed pattern set; carries the first problem's rule id, line and reason.
    /// </exception>
    public static PatternSet Parse(ReadOnlySpan<byte> utf8Json)
    {
        var document = PatternSetReader.Read(utf8Json);
        return document.IsValid ? document.Set : throw document.ToException();
    }

    /// <summary>
    /// Writes a set as indented, human-friendly JSON (two spaces, <c>\n</c> line ends, regexes unescaped where
    /// JSON allows). Members holding defaults are left out, except <c>thresholds</c> and rule <c>score</c>,
    /// which are always written. <see cref="Parse(string)"/> reads the text back to an equal set.
    /// </summary>
    /// <param name="set">The set.</param>
    /// <returns>The JSON text, ending with a line break.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A score or threshold is not finite, or a kind is not defined.</exception>
    public static string Serialize(PatternSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return PatternSetWriter.WriteIndented(set);
    }

    /// <summary>
    /// The canonical form of a set: UTF-8 JSON with members in a fixed order, no whitespace, defaults omitted,
    /// dates in UTC and numbers in shortest round-trip form. Two sets with the same content have the same bytes,
    /// however their documents were spelled.
    /// </summary>
    /// <param name="set">The set.</param>
    /// <returns>The canonical bytes.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A score or threshold is not finite, or a kind is not defined.</exception>
    public static byte[] ToCanonicalUtf8(PatternSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        return PatternSetWriter.WriteCanonical(set);
    }

    /// <summary>The digest that names a set: lowercase hex SHA-256 of <see cref="ToCanonicalUtf8"/>.</summary>
    /// <param name="set">The set.</param>
    /// <returns>64 lowercase hex digits.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="set"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A score or threshold is not finite, or a kind is not defined.</exception>
    public static string ComputeDigest(PatternSet set) =>
        Convert.ToHexStringLower(SHA256.HashData(ToCanonicalUtf8(set)));

    /// <summary>Opens the JSON Schema (draft 2020-12) of the format, embedded in this assembly.</summary>
    /// <returns>A readable stream of the schema's UTF-8 text; dispose it.</returns>
    public static Stream OpenSchema() =>
        typeof(PatternSetJson).Assembly.GetManifestResourceStream(SchemaResourceName)
        ?? throw new InvalidOperationException($"The embedded resource {SchemaResourceName} is missing from the build.");
}
