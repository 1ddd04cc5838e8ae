using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Checks;

/// <summary>
/// A mail's relays, newest first, split as SpamAssassin's <c>parse_received_headers</c> splits them when no trusted or
/// internal networks are configured: relays are trusted (and internal) from the top down while their address is private
/// or they report authentication; the first other relay and every one below it are untrusted (and external).
/// </summary>
internal sealed class RelayPath
{
    // SpamAssassin's originating_ip_headers in Debian's 10_default_prefs.cf: webmail services' notes of the client's
    // address, read as one more relay below the Received headers.
    private static readonly string[] OriginatingIpHeaders =
    [
        "X-Yahoo-Post-IP", "X-Originating-IP", "X-Apparently-From", "X-SenderIP", "X-AOL-IP",
        "X-MS-Exchange-CrossTenant-OriginalAttributedTenantConnectingIp",
    ];

    private RelayPath(IReadOnlyList<Relay> trusted, IReadOnlyList<Relay> untrusted)
    {
        Trusted = trusted;
        Untrusted = untrusted;
        TrustedText = string.Join(' ', trusted.Select(relay => relay.ToPseudoHeaderEntry(isInternal: true, isMsa: false)));
        UntrustedText = string.Join(' ', untrusted.Select(relay => relay.ToPseudoHeaderEntry(isInternal: false, isMsa: false)));
    }

    /// <summary>Trusted relays, newest first; with nothing configured, also the internal ones.</summary>
    public IReadOnlyList<Relay> Trusted { get; }

    /// <summary>Untrusted relays, newest first; with nothing configured, also the external ones.</summary>
    public IReadOnlyList<Relay> Untrusted { get; }

    /// <summary>SpamAssassin's <c>X-Spam-Relays-Trusted</c> (and <c>-Internal</c>).</summary>
    public string TrustedText { get; }

    /// <summary>SpamAssassin's <c>X-Spam-Relays-Untrusted</c> (and <c>-External</c>).</summary>
    public string UntrustedText { get; }

    /// <summary>Reads the relays of a mail.</summary>
    /// <remarks>At most <see cref="MessageLimits.MaxHeaders"/> headers of <see cref="MessageLimits.MaxHeaderBytes"/> in all; each parsed once.</remarks>
    /// <param name="headers">The mail's headers.</param>
    /// <param name="receivedLines">Its Received headers, unfolded (<see cref="MessageAnalysis.ReceivedLines"/>).</param>
    public static RelayPath Read(MessageHeaders headers, IReadOnlyList<string> receivedLines)
    {
        var lines = receivedLines.ToList();
        foreach (var name in OriginatingIpHeaders)
        {
            if (headers.GetValues(name) is { Count: > 0 } values && ReceivedLineParser.FirstIpAddress(values[^1]) is { } ip)
            {
                lines.Add($"from X-Originating-IP: {ip}");
            }
        }

        var trusted = new List<Relay>();
        var untrusted = new List<Relay>();
        var inTrusted = true;
        var state = new ReceivedParseState();
        foreach (var line in lines)
        {
            var (_, relay) = ReceivedLineParser.Parse(line, state);
            if (state.RestartRequested)
            {
                // A mail fetcher's marker inside the trusted part: what came before was the fetcher's own delivery.
                trusted.Clear();
            }

            if (relay is null)
            {
                continue;
            }

            if (inTrusted && !relay.IpIsPrivate && relay.Auth.Length == 0)
            {
                inTrusted = false;
            }

            (inTrusted ? trusted : untrusted).Add(relay);
            state.AllowMailFetchMarkers = inTrusted;
        }

        return new RelayPath(trusted, untrusted);
    }
}
