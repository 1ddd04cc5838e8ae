namespace Prefilter.Engine.Checks;

/// <summary>
/// What SpamAssassin's <c>parse_received_headers</c> carries from one Received header to the next (newest first) while
/// it parses them. One per mail; not thread-safe.
/// </summary>
internal sealed class ReceivedParseState
{
    /// <summary>
    /// Whether a mail-fetcher marker (fetchmail, getmail) restarts the parse: true for the first header and, as the
    /// caller sets it after each relay, while the relays are still in the trusted part; false once a relay was untrusted.
    /// </summary>
    public bool AllowMailFetchMarkers { get; set; } = true;

    /// <summary>
    /// The envelope sender a qmail-scanner line logged, for the relay of the next line (the handover it describes);
    /// set by the parser, consumed when it parses the next line.
    /// </summary>
    public string? QmailScannerEnvelopeFrom { get; set; }

    /// <summary>
    /// Whether the line just parsed was a mail-fetcher marker while <see cref="AllowMailFetchMarkers"/> held: the caller
    /// forgets the trusted, internal and external relays collected so far (SpamAssassin leaves the untrusted ones and its
    /// relay indexes alone) and goes on. Set by every call of <see cref="ReceivedLineParser.Parse"/>.
    /// </summary>
    public bool RestartRequested { get; set; }
}
