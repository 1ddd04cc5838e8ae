namespace Prefilter.Pipeline.Patterns;

/// <summary>A stored pattern set version and the SHA-256 digest of its canonical form.</summary>
/// <param name="Version">Version label, also its folder: <c>patterns/sets/{version}/</c>.</param>
/// <param name="Digest">Lowercase hex SHA-256 of the canonical JSON (<c>PatternSetJson.ComputeDigest</c>).</param>
public sealed record PatternSetRef(string Version, string Digest)
{
    /// <inheritdoc />
    public override string ToString() => $"{Version} ({Digest[..Math.Min(12, Digest.Length)]})";
}
