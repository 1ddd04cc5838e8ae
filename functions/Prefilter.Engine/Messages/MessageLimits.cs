namespace Prefilter.Engine.Messages;

/// <summary>
/// Caps on how much of a mail <see cref="MessageView.Parse(ReadOnlyMemory{byte}, MessageLimits)"/> reads,
/// decodes and hands to rules. Every cap exists because the cost of scanning grows with what it bounds,
/// and a sender controls all of it. Content beyond a cap is not scanned; the view says so in
/// <see cref="MessageView.Notes"/> and <see cref="MessageView.Truncated"/>.
/// </summary>
/// <remarks>
/// Bound from configuration as an options class; <see cref="Validate"/> refuses caps that are not positive.
/// The defaults are sized for mail: real messages stay far below them, hostile ones are cut short.
/// </remarks>
public sealed record MessageLimits
{
    /// <summary>The defaults.</summary>
    public static MessageLimits Default { get; } = new();

    /// <summary>
    /// Bytes of the raw message handed to the MIME parser. Default 64 MiB.
    /// </summary>
    /// <remarks>
    /// The parser only scans for boundaries and never copies or decodes attachment content, so a
    /// 50 MB mail costs tens of milliseconds; this cap keeps a larger one from costing more.
    /// Parts past the cap are neither scanned nor listed.
    /// </remarks>
    public int MaxMessageBytes { get; init; } = 64 * 1024 * 1024;

    /// <summary>
    /// Bytes of the top-level header block that are parsed. Default 256 KiB.
    /// </summary>
    /// <remarks>
    /// MTAs refuse header blocks much smaller than this (Postfix: 100 KB); a larger one only exists to
    /// make header parsing, decoding and every header rule slow. Headers past the cap are dropped and the
    /// body is still parsed.
    /// </remarks>
    public int MaxHeaderBytes { get; init; } = 256 * 1024;

    /// <summary>
    /// Top-level header fields kept. Default 1,000.
    /// </summary>
    /// <remarks>Header rules run per value of a named header; thousands of tiny headers multiply that work.</remarks>
    public int MaxHeaders { get; init; } = 1000;

    /// <summary>
    /// Nesting depth of MIME parts and attached messages that is parsed. Default 32.
    /// </summary>
    /// <remarks>
    /// Passed to MimeKit's <c>ParserOptions.MaxMimeDepth</c>: deeply nested multiparts are crafted to
    /// overflow recursive parsers. Real mail nests fewer than ten levels; deeper parts are treated as
    /// opaque leaves (listed as attachments, not scanned as text).
    /// </remarks>
    public int MaxMimeDepth { get; init; } = 32;

    /// <summary>
    /// MIME parts visited. Default 1,000.
    /// </summary>
    /// <remarks>Thousands of empty parts cost a walk, a decoder and an attachment entry each.</remarks>
    public int MaxParts { get; init; } = 1000;

    /// <summary>
    /// Decoded bytes read from one text part (before charset conversion). Default 512 KiB.
    /// </summary>
    /// <remarks>
    /// Body, rawbody and URI rules scan the decoded text; spam carries its message in the first
    /// kilobytes, and padding a part with megabytes of text exists to slow scanners down.
    /// </remarks>
    public int MaxPartTextBytes { get; init; } = 512 * 1024;

    /// <summary>
    /// Decoded bytes read from all text parts together. Default 1 MiB.
    /// </summary>
    /// <remarks>Bounds the body work of a message with many text parts; later parts are skipped.</remarks>
    public int MaxTotalTextBytes { get; init; } = 1024 * 1024;

    /// <summary>
    /// Body paragraphs kept, the Subject included. Default 20,000.
    /// </summary>
    /// <remarks>Body rules run per paragraph that holds their literal; the count bounds that fan-out.</remarks>
    public int MaxParagraphs { get; init; } = 20_000;

    /// <summary>
    /// Characters of one body paragraph. Default 2,048, SpamAssassin's <c>MAX_BODY_LINE_LENGTH</c>.
    /// </summary>
    /// <remarks>
    /// A longer paragraph is split into several, at the last space before the cap when there is one (as
    /// SpamAssassin does), so a regex never runs on more than this many characters of body text.
    /// </remarks>
    public int MaxParagraphChars { get; init; } = 2048;

    /// <summary>
    /// Characters of one rawbody line. Default 2,048, SpamAssassin's <c>MAX_BODY_LINE_LENGTH</c>.
    /// </summary>
    /// <remarks>A longer line is split into chunks, at a space when possible; bounds the input of one rawbody match.</remarks>
    public int MaxRawBodyLineChars { get; init; } = 2048;

    /// <summary>
    /// Distinct URIs kept. Default 2,000.
    /// </summary>
    /// <remarks>URI rules run per URI; link farms with tens of thousands of links exist to multiply that work.</remarks>
    public int MaxUris { get; init; } = 2000;

    /// <summary>
    /// Characters of one URI. Default 4,096.
    /// </summary>
    /// <remarks>Browsers and servers refuse far shorter URLs; a longer one is cut to bound one URI match.</remarks>
    public int MaxUriChars { get; init; } = 4096;

    /// <summary>
    /// Bytes of the raw message exposed as <see cref="MessageView.Full"/>. Default 1 MiB.
    /// </summary>
    /// <remarks>
    /// <c>full</c> rules read headers and undecoded body as one string; attachments make that string
    /// huge and say nothing a rule needs.
    /// </remarks>
    public int MaxFullBytes { get; init; } = 1024 * 1024;

    /// <summary>Checks that every cap is positive.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A cap is zero or negative; the parameter name is the property.</exception>
    public void Validate()
    {
        Positive(MaxMessageBytes, nameof(MaxMessageBytes));
        Positive(MaxHeaderBytes, nameof(MaxHeaderBytes));
        Positive(MaxHeaders, nameof(MaxHeaders));
        Positive(MaxMimeDepth, nameof(MaxMimeDepth));
        Positive(MaxParts, nameof(MaxParts));
        Positive(MaxPartTextBytes, nameof(MaxPartTextBytes));
        Positive(MaxTotalTextBytes, nameof(MaxTotalTextBytes));
        Positive(MaxParagraphs, nameof(MaxParagraphs));
        Positive(MaxParagraphChars, nameof(MaxParagraphChars));
        Positive(MaxRawBodyLineChars, nameof(MaxRawBodyLineChars));
        Positive(MaxUris, nameof(MaxUris));
        Positive(MaxUriChars, nameof(MaxUriChars));
        Positive(MaxFullBytes, nameof(MaxFullBytes));
    }

    private static void Positive(int value, string name)
    {
        if (value <= 0)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive.");
        }
    }
}
