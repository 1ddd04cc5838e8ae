using System.Text;

namespace Prefilter.Engine.Messages;

/// <summary>The parts of a <see cref="MessageView"/> that rules read; as flags, which of them a cap cut.</summary>
[Flags]
public enum MessageParts
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary><see cref="MessageView.Headers"/>.</summary>
    Headers = 1,

    /// <summary><see cref="MessageView.Body"/>.</summary>
    Body = 2,

    /// <summary><see cref="MessageView.RawBody"/>.</summary>
    RawBody = 4,

    /// <summary><see cref="MessageView.Uris"/>.</summary>
    Uris = 8,

    /// <summary><see cref="MessageView.Full"/>.</summary>
    Full = 16,

    /// <summary><see cref="MessageView.Attachments"/>.</summary>
    Attachments = 32,
}

/// <summary>A part of a mail that is not scanned as text: its declared file name and content type.</summary>
/// <param name="FileName">The <c>filename</c> of Content-Disposition or the <c>name</c> of Content-Type; null when neither is given.</param>
/// <param name="ContentType">The media type, e.g. <c>application/pdf</c>, lowercase.</param>
public sealed record MessageAttachment(string? FileName, string ContentType);

/// <summary>
/// A mail read into the parts that rules match, the way SpamAssassin presents them: headers, body
/// paragraphs, rawbody lines, URIs, the full raw text and the attachments, each bounded by
/// <see cref="MessageLimits"/>. Immutable after <see cref="Parse(ReadOnlyMemory{byte}, MessageLimits)"/>;
/// safe to read from several threads.
/// </summary>
/// <remarks>
/// Parsing never throws for bad input. Malformed MIME is read as well as it can be; what was cut or
/// guessed is listed in <see cref="Notes"/>. Text parts are decoded (HTML rendered to text); attachments
/// are neither decoded nor copied, only their names and types read, so a 50 MB mail costs little more
/// than its text.
/// </remarks>
public sealed class MessageView
{
    private readonly ReadOnlyMemory<byte> message;
    private readonly int maxFullBytes;
    private string? full;

    internal MessageView(
        ReadOnlyMemory<byte> message,
        int maxFullBytes,
        MessageHeaders headers,
        TextUnits body,
        bool bodyStartsWithSubject,
        TextUnits rawBody,
        TextUnits uris,
        IReadOnlyList<MessageAttachment> attachments,
        IReadOnlyList<string> notes,
        MessageParts truncatedParts)
    {
        this.message = message;
        this.maxFullBytes = maxFullBytes;
        Headers = headers;
        Body = body;
        BodyStartsWithSubject = bodyStartsWithSubject;
        RawBody = rawBody;
        Uris = uris;
        Attachments = attachments;
        Notes = notes;
        TruncatedParts = truncatedParts;
    }

    /// <summary>Top-level header fields in order (Content-* included), with lookup helpers.</summary>
    public MessageHeaders Headers { get; }

    /// <summary>
    /// Body paragraphs for <c>body</c> rules: the Subject first (when the mail has a non-blank one), then
    /// the text of every text part (text/plain decoded, text/html rendered to text, text/calendar
    /// skipped) split at blank lines; whitespace runs inside a paragraph are one space, paragraphs are
    /// trimmed and at most <see cref="MessageLimits.MaxParagraphChars"/> long (longer ones are split).
    /// Parts always end a paragraph.
    /// </summary>
    public TextUnits Body { get; }

    /// <summary>Whether unit 0 of <see cref="Body"/> is the Subject.</summary>
    public bool BodyStartsWithSubject { get; }

    /// <summary>
    /// Rawbody lines for <c>rawbody</c> rules: the decoded text parts before rendering (HTML tags kept),
    /// one unit per line without its line break, lines longer than
    /// <see cref="MessageLimits.MaxRawBodyLineChars"/> cut into chunks.
    /// </summary>
    public TextUnits RawBody { get; }

    /// <summary>
    /// Distinct URIs for <c>uri</c> rules, in first-seen order: HTML URI attributes (<c>href</c>,
    /// <c>src</c>, <c>action</c>, <c>background</c>, …; entities decoded), then <c>http(s)://</c>,
    /// <c>ftp://</c>, <c>mailto:</c> and bare <c>www.</c> URIs found in the body paragraphs (a bare
    /// <c>www.host</c> is listed as written and as <c>http://www.host</c>, like SpamAssassin), then bare
    /// e-mail addresses in the paragraphs as <c>mailto:</c> URIs.
    /// </summary>
    public TextUnits Uris { get; }

    /// <summary>
    /// The raw message for <c>full</c> rules, headers and undecoded body, each byte one Latin-1 character,
    /// cut at <see cref="MessageLimits.MaxFullBytes"/>. An mbox <c>From </c> line is not part of it.
    /// Built on first use.
    /// </summary>
    public string Full => full ??= Encoding.Latin1.GetString(message.Span[..Math.Min(message.Length, maxFullBytes)]);

    /// <summary>Size in bytes of the message (without an mbox <c>From </c> line).</summary>
    public int Size => message.Length;

    /// <summary>Every part that is not text, or that is marked as an attachment (such text parts are also scanned as text).</summary>
    public IReadOnlyList<MessageAttachment> Attachments { get; }

    /// <summary>What was cut by a cap, or malformed and read by a guess, in plain words.</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>True when a cap cut something: rules did not see all of the message.</summary>
    public bool Truncated => TruncatedParts != MessageParts.None;

    /// <summary>
    /// Which parts a cap cut, so a scan can call itself incomplete only when it reads one of them (a
    /// mail over <see cref="MessageLimits.MaxFullBytes"/> cuts <see cref="Full"/>, which only <c>full</c> rules read).
    /// </summary>
    public MessageParts TruncatedParts { get; }

    /// <summary>
    /// True when parts lay deeper than <see cref="MessageLimits.MaxMimeDepth"/> and were not read. No mail program
    /// nests that deep, so the depth itself is a sign of hiding text from the scan.
    /// </summary>
    public bool NestedTooDeep { get; init; }

    /// <summary>Reads a mail with <see cref="MessageLimits.Default"/>.</summary>
    /// <param name="raw">The RFC 822 message, optionally preceded by mbox <c>From </c> lines.</param>
    public static MessageView Parse(ReadOnlyMemory<byte> raw) => Parse(raw, MessageLimits.Default);

    /// <summary>Reads a mail. Never throws for bad input; the view keeps a reference to <paramref name="raw"/>.</summary>
    /// <param name="raw">The RFC 822 message, optionally preceded by mbox <c>From </c> lines.</param>
    /// <param name="limits">The caps to apply.</param>
    /// <exception cref="ArgumentNullException"><paramref name="limits"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A cap in <paramref name="limits"/> is not positive.</exception>
    public static MessageView Parse(ReadOnlyMemory<byte> raw, MessageLimits limits)
    {
        ArgumentNullException.ThrowIfNull(limits);
        limits.Validate();
        return MessageViewParser.Parse(raw, limits);
    }
}
