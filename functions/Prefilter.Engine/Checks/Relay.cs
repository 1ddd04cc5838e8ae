namespace Prefilter.Engine.Checks;

/// <summary>
/// One hop of a mail's path, read from a <c>Received:</c> header as SpamAssassin reads it: the connecting host's address
/// and names, the receiving host, and what the hop says about the session. Empty strings for what the header does not say.
/// </summary>
internal sealed record Relay
{
    /// <summary>The connecting host's IP address, e.g. <c>203.0.113.7</c> or an IPv6 address without brackets.</summary>
    public required string Ip { get; init; }

    /// <summary>The connecting host's name from reverse DNS, as the receiving MTA logged it; empty when it found none.</summary>
    public string Rdns { get; init; } = "";

    /// <summary>The name the connecting host gave in HELO/EHLO.</summary>
    public string Helo { get; init; } = "";

    /// <summary>The receiving host.</summary>
    public string By { get; init; } = "";

    /// <summary>The ident (RFC 1413) user the receiving MTA logged.</summary>
    public string Ident { get; init; } = "";

    /// <summary>The envelope sender the receiving MTA logged (empty for the null sender <c>&lt;&gt;</c>); null when it logged none.</summary>
    public string? EnvelopeFrom { get; init; }

    /// <summary>The receiving MTA's queue id.</summary>
    public string Id { get; init; } = "";

    /// <summary>The authentication the hop reports, e.g. <c>ESMTPSA</c>; empty when none.</summary>
    public string Auth { get; init; } = "";

    /// <summary>Whether <see cref="Ip"/> is in a private, loopback or otherwise non-public range.</summary>
    public bool IpIsPrivate { get; init; }

    /// <summary>
    /// Whether the host has no reverse DNS for certain: <see cref="Rdns"/> is empty and the receiving MTA is one that
    /// always looks it up (SpamAssassin's <c>no_reverse_dns</c>), rather than one that does not log it.
    /// </summary>
    public bool NoReverseDns { get; init; }

    /// <summary>
    /// The relay as SpamAssassin writes it in its <c>X-Spam-Relays-*</c> pseudo-headers, e.g.
    /// <c>[ ip=203.0.113.7 rdns=mail.example.org helo=mail.example.org by=mx.example.net ident= envfrom= intl=0 id=4F2A auth= msa=0 ]</c>.
    /// </summary>
    /// <remarks>An envelope sender of "0" is written empty, as Perl's <c>$envfrom || ''</c> does.</remarks>
    /// <param name="isInternal">Whether the hop is inside the internal networks.</param>
    /// <param name="isMsa">Whether the hop's address is in the MSA networks.</param>
    public string ToPseudoHeaderEntry(bool isInternal, bool isMsa) =>
        $"[ ip={Ip} rdns={Rdns} helo={Helo} by={By} ident={Ident} envfrom={(EnvelopeFrom == "0" ? "" : EnvelopeFrom)} intl={(isInternal ? 1 : 0)} id={Id} auth={Auth} msa={(isMsa ? 1 : 0)} ]";
}
