namespace Prefilter.Engine.SpamAssassin;

/// <summary>Choices for <see cref="SpamAssassinImporter"/>.</summary>
public sealed record SpamAssassinImportOptions
{
    /// <summary>
    /// The set's <c>created</c> time. When null: the newest modification time of the files for
    /// <see cref="SpamAssassinImporter.ImportPaths"/>, the Unix epoch for readers. Either way the same input gives the
    /// same set, and so the same digest.
    /// </summary>
    public DateTimeOffset? Created { get; init; }

    /// <summary>The set's name; when null <c>spamassassin</c>, plus <c>-N</c> when the files carry an sa-update version N.</summary>
    public string? Name { get; init; }

    /// <summary>The set's version; when null the sa-update version, else the first 12 hex digits of the SHA-256 of the input.</summary>
    public string? Version { get; init; }

    /// <summary>
    /// Score from which a mail is quarantined. SpamAssassin has one threshold (<c>required_score</c>, default 5), which
    /// becomes the tag threshold; quarantine defaults to twice SpamAssassin's default, a common operator choice.
    /// </summary>
    public double QuarantineScore { get; init; } = 10.0;

    /// <summary>
    /// Whether UTF-8 byte sequences spelled out in patterns (<c>[\xc3][\xa9]</c>) become the characters they encode
    /// (<c>é</c>), for every rule kind but <c>full</c>. SpamAssassin matches rules against UTF-8 octets; this engine
    /// matches body, rawbody, header and URI rules against decoded text, where only the characters occur. Default true.
    /// </summary>
    public bool DecodeUtf8Sequences { get; init; } = true;
}
