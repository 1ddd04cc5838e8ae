using System.Text.RegularExpressions;

namespace Prefilter.Engine.Checks;

/// <summary>What SpamAssassin made of one Received header: a relay (a hash), a line it skips on purpose (0), or one it could not parse (undef).</summary>
internal enum ReceivedLineKind
{
    /// <summary>A hop with at least an IP address or a receiving host: <see cref="ReceivedLineParser.Parse"/> returns its relay.</summary>
    Relay,

    /// <summary>A line that is not a TCP handover (local delivery, a mail fetcher, a content filter): no relay, and not unparseable.</summary>
    Skipped,

    /// <summary>A line SpamAssassin could not read; it counts it in <c>num_relays_unparseable</c>.</summary>
    Unparseable,
}

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

/// <summary>
/// SpamAssassin 4.0's <c>parse_received_line</c> (Message/Metadata/Received.pm), line for line: which MTA wrote the
/// header, and from that the connecting host's address, names and ident, the receiving host, the queue id, the envelope
/// sender and the authentication. The formats are tried in SpamAssassin's order, so a line reads as it reads there.
/// </summary>
/// <remarks>
/// The line is read as SpamAssassin reads it, as octets: one character per byte (a UTF-8 header as its Latin-1
/// characters), and Perl's <c>\s</c>, <c>\d</c>, <c>\w</c> and <c>\b</c> are ASCII. After the first step the line holds
/// no whitespace but single spaces, so the patterns below write Perl's <c>\S</c> as <c>[^ ]</c>. Every pattern runs in
/// time linear in the line: those without lookarounds on the non-backtracking engine; the others (SpamAssassin's
/// IP_ADDRESS where its neighbours are not fixed punctuation, or a <c>\b</c> a capture depends on) are anchored or
/// start at a literal, with at most one unbounded run that can backtrack, or an atomic prefix where the rest cannot
/// match from one candidate if it failed from another (each says so).
/// </remarks>
internal static partial class ReceivedLineParser
{
    /// <summary>The first IP address in <paramref name="text"/> as SpamAssassin's <c>IP_ADDRESS</c> finds it; null when there is none.</summary>
    public static string? FirstIpAddress(string text) => AnyIpAddress().Match(text) is { Success: true } match ? match.Groups[1].Value : null;

    /// <summary>
    /// Parses one Received header value as SpamAssassin does. The caller has already unfolded it with
    /// <c>s/\n[ \t]+/ /gs</c>, as <c>parse_received_headers</c> does before calling <c>parse_received_line</c>.
    /// </summary>
    /// <param name="line">The header value, one character per octet.</param>
    /// <param name="state">What the previous lines left; updated for the next line.</param>
    /// <returns>The kind of line, and its relay when the kind is <see cref="ReceivedLineKind.Relay"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="line"/> or <paramref name="state"/> is null.</exception>
    public static (ReceivedLineKind Kind, Relay? Relay) Parse(string line, ReceivedParseState state)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentNullException.ThrowIfNull(state);

        // qmail-scanner's line describes the handover of the line below it: its envelope sender goes to that relay.
        var qmailScannerEnvelopeFrom = IsTrue(state.QmailScannerEnvelopeFrom) ? state.QmailScannerEnvelopeFrom : null;
        if (qmailScannerEnvelopeFrom is not null)
        {
            state.QmailScannerEnvelopeFrom = null;
        }

        state.RestartRequested = false;
        var fields = new Fields();
        var outcome = ParseLine(line, fields, state);
        if (outcome == Step.Skip)
        {
            return (ReceivedLineKind.Skipped, null);
        }

        if (outcome != Step.Enough)
        {
            return (ReceivedLineKind.Unparseable, null);
        }

        var relay = fields.ToRelay();
        return (ReceivedLineKind.Relay, qmailScannerEnvelopeFrom is null ? relay : relay with { EnvelopeFrom = qmailScannerEnvelopeFrom });
    }

    private enum Step
    {
        // This family's patterns did not match; try the next.
        Continue,

        // "goto enough": the line is parsed.
        Enough,

        // "return 0".
        Skip,

        // "return" (undef): unparseable.
        Fail,
    }

    /// <summary>The variables of <c>parse_received_line</c>, with the line itself (<c>$_</c>) as it is rewritten.</summary>
    private sealed class Fields
    {
        public string Text = "";
        public string Ip = "";
        public string Helo = "";
        public string Rdns = "";
        public string By = "";
        public string Id = "";
        public string Ident = "";
        public string? EnvelopeFrom;
        public bool MtaLookedUpDns;
        public string Auth = "";

        public Relay ToRelay()
        {
            // Bug 7810: a trailing dot on the rDNS.
            var rdns = TrailingDots().Replace(Rdns, "");
            if (rdns.Equals("unknown", StringComparison.OrdinalIgnoreCase) || rdns.StartsWith('['))
            {
                rdns = "";
            }

            var ip = Ipv6Prefix().Replace(Ip, "");
            if (ip.StartsWith('['))
            {
                ip = ip[1..];
            }

            if (ip.EndsWith(']'))
            {
                ip = ip[..^1];
            }

            // An IPv6 zone (RFC 4007) says nothing about the host; an IPv4 address mapped in IPv6 is that IPv4 address.
            ip = ZoneId().Replace(ip, "");
            ip = MappedIpv4().Replace(ip, "$1");
            var by = By.EndsWith(';') ? By[..^1] : By;

            // Characters a pseudo-header entry cannot hold become '!', so "[1.2.3.4]" as a HELO reads "!1.2.3.4!".
            return new Relay
            {
                Ip = Strip(ip),
                Rdns = Strip(rdns),
                Helo = Strip(Helo),
                By = Strip(by),
                Ident = Strip(Ident),
                EnvelopeFrom = EnvelopeFrom is null ? null : CleanEnvelopeFrom(EnvelopeFrom),
                Id = Id,
                Auth = Auth,
                IpIsPrivate = IpPrivate().IsMatch(Strip(ip)),
                NoReverseDns = rdns.Length == 0 && MtaLookedUpDns,
            };
        }
    }

    private static Step ParseLine(string line, Fields f, ReceivedParseState state)
    {
        var text = Whitespace().Replace(line, " ");
        if (text.StartsWith(' '))
        {
            text = text[1..];
        }

        if (text.EndsWith(' '))
        {
            text = text[..^1];
        }

        // An invalid semicolon at the end of the header.
        while (text.EndsWith(';'))
        {
            text = text.EndsWith(" ;", StringComparison.Ordinal) ? text[..^2] : text[..^1];
        }

        if (Skipped(text))
        {
            return Step.Skip;
        }

        // The date at the end: "; Tue, 23 May 2006 13:06:35 -0400".
        text = TrailingDate().Replace(text, "", 1);

        // from av0001.technodiva.com (localhost [127.0.0.1])by  localhost.technodiva.com (Postfix) with ESMTP id 846CF2117for  <proftp-user@lists.sourceforge.net>; Mon,  7 Aug 2006 17:48:07 +0200 (MEST)
        var missingSpace = text.IndexOf(")by ", StringComparison.Ordinal);
        if (missingSpace >= 0)
        {
            text = string.Concat(text.AsSpan(0, missingSpace + 1), " ", text.AsSpan(missingSpace + 1));
        }

        f.Text = text;

        // Some MTAs swap the rDNS and the HELO, so the fields are read per format below; these are the defaults.
        if (MessageId().Match(text) is { Success: true } id)
        {
            f.Id = id.Groups[1].Value;
        }

        if (HeloEquals().Match(text) is { Success: true } helo)
        {
            f.Helo = helo.Groups[1].Value;
        }
        else if (HeloCommand().Match(text) is { Success: true } heloCommand)
        {
            f.Helo = heloCommand.Groups[1].Value;
        }

        if (ByHost().Match(text) is { Success: true } by)
        {
            f.By = by.Groups[1].Value;
        }

        f.Auth = Authentication(text);

        Step step;
        if (text.StartsWith("from ", StringComparison.Ordinal))
        {
            f.Text = text["from ".Length..];
            step = ParseFrom(f, state);
        }
        else if (text.StartsWith("FROM ", StringComparison.Ordinal))
        {
            f.Text = text["FROM ".Length..];
            step = ParseSimta(f);
        }
        else if (text.StartsWith("(from ", StringComparison.Ordinal))
        {
            f.Text = text["(from ".Length..];
            step = ParseParenthesizedFrom(f);
        }
        else
        {
            step = Step.Continue;
        }

        if (step != Step.Continue)
        {
            return step;
        }

        // FALL-THROUGH: some general patterns for what the formats above did not give.
        if (!IsTrue(f.Ip) && BracketedIp().Match(f.Text) is { Success: true } ip)
        {
            f.Ip = ip.Groups[1].Value;
        }

        // The least a useful parse has: the IP address and the receiving host.
        return IsTrue(f.Ip) && IsTrue(f.By) ? Step.Enough : Step.Fail;
    }

    // The lines that are not handovers, on the whole line before the date is taken off.
    private static bool Skipped(string text)
    {
        // We care about lines starting with from; all of the others are ignorable. Bug 4943: give /^(from/ a chance.
        //
        // (qmail 27981 invoked by uid 225); 14 Mar 2003 07:24:34 -0000
        // (qmail 84907 invoked from network); 13 Feb 2003 20:59:28 -0000
        // (ofmipd 208.31.42.38); 17 Mar 2003 04:09:01 -0000
        // by faerber.muc.de (OpenXP/32 v3.9.4 (Win32) alpha @ 2003-03-07-1751d); 07 Mar 2003 22:10:29 +0000
        // by x.x.org (bulk_mailer v1.13); Wed, 26 Mar 2003 20:44:41 -0600
        // by SPIDERMAN with Internet Mail Service (5.5.2653.19) id <19AF8VY2>; Tue, 25 Mar 2003 11:58:27 -0500
        // by oak.ein.cz (Postfix, from userid 1002) id DABBD1BED3; Thu, 13 Feb 2003 14:02:21 +0100 (CET)
        // OTM-MIX(otm-mix00) id k5N1aDtp040896; Fri, 23 Jun 2006 10:36:14 +0900 (JST)
        // with ECARTIS (v1.0.0; list bind-announce); Fri, 18 Aug 2006 07:19:58 +0000 (UTC)
        // Received: Message by Barricade wilhelm.eyp.ee with ESMTP id h1I7hGU06122 for <spamassassin-talk@lists.sourceforge.net>; Tue, 18 Feb 2003 09:43:16 +0200
        if (!StartsWithFrom().IsMatch(text))
        {
            return true;
        }

        // from www-data by wwwmail.documenta.de (Exim 4.50) with local for <example@vandinter.org> id 1GFbZc-0006QV-L8; Tue, 22 Aug 2006 21:06:04 +0200
        if (WithLocalFor().IsMatch(text))
        {
            return true;
        }

        // Received: from virtual-access.org by bolero.conactive.com ; Thu, 20 Feb 2003 23:32:58 +0100
        // Received: FROM ca-ex-bridge1.nai.com BY scwsout1.nai.com ; Fri Feb 07 10:18:12 2003 -0800
        // but not: Received: from [86.122.158.69] by mta2.iomartmail.com; Thu, 2 Aug 2007 21:50:04 -0200
        return FromByNothing().Match(text) is { Success: true } fromBy && !BracketedDottedNumbers().IsMatch(fromBy.Groups[1].Value);
    }

    // The authentication the hop reports, in SpamAssassin's order of formats; empty for none.
    private static string Authentication(string text)
    {
        // RFC 3848 (ESMTPA, ESMTPSA, LMTPA, LMTPSA), RFC 4954 and 6531 (UTF8SMTPA, UTF8LMTPA); ASMTP is Earthlink's and
        // Exim 4.34's; HTTP should only be authenticated webmail, HTTPU Communigate Pro's Pronto!, HTTPS Horde's.
        if (text.Contains(" by ", StringComparison.Ordinal) && AuthenticatedProtocol().Match(text) is { Success: true } protocol)
        {
            return protocol.Groups[1].Value;
        }

        // GMail should say ESMTPSA to show it authenticated, but does not.
        if (GmailSubmission().IsMatch(text) && GmailTls().Match(text) is { Success: true } tls)
        {
            return $"GMail - transport={tls.Groups[1].Value} cipher={tls.Groups[2].Value}";
        }

        // Courier v0.47 and possibly others.
        if (CourierAuth().Match(text) is { Success: true } courier)
        {
            return courier.Groups[1].Value;
        }

        // Sendmail, MDaemon, some webmail servers, and others.
        if (text.Contains("authenticated", StringComparison.Ordinal) && SendmailAuth().IsMatch(text))
        {
            return "Sendmail";
        }

        // GMX authenticates users but does not say so; its SMTP form.
        if (GmxAuth().Match(text) is { Success: true } gmx)
        {
            return $"GMX ({gmx.Groups[4].Value} / {gmx.Groups[3].Value})";
        }

        // Critical Path Messaging Server.
        if (text.Contains(" (authenticated as ", StringComparison.Ordinal) && CriticalPathAuth().IsMatch(text))
        {
            return "CriticalPath";
        }

        // Postfix 2.3 and later with "smtpd_sasl_authenticated_header yes"; the name is mail_name, normally Postfix (bug 5646).
        if (PostfixAuth().Match(text) is { Success: true } postfix)
        {
            var name = postfix.Groups[1].Value;
            return name == "Postfix" ? name : $"Postfix ({name})";
        }

        // Communigate Pro; bug 6495 adds HTTP, bug 7277 XIMSS (Pronto and other apps) and IMAP (its XMIT extension).
        if (CommunigateProtocol().IsMatch(text) && text.Contains(" (account ", StringComparison.Ordinal))
        {
            return "Communigate";
        }

        // Microsoft Exchange (complete with syntax error).
        if (ExchangeHttpDav().IsMatch(text))
        {
            return "HTTP-DAV";
        }

        // Froufrou mailers like United Internet say "(via HTTP)", bug 7101.
        if (text.Contains(" by ", StringComparison.Ordinal) && ViaHttp().Match(text) is { Success: true } via)
        {
            return via.Groups[1].Value;
        }

        return "";
    }

    private static Step ParseFrom(Fields f, ReceivedParseState state)
    {
        var text = f.Text;
        if (EnvelopeSender().Match(text) is { Success: true } envelope)
        {
            f.EnvelopeFrom = envelope.Groups[1].Value;
        }

        var step = Webmail(f);
        if (step == Step.Continue)
        {
            step = MtaFamily(f);
        }

        if (step == Step.Continue)
        {
            step = CommonFormats(f);
        }

        if (step == Step.Continue)
        {
            step = QmailFormats(f);
        }

        if (step == Step.Continue)
        {
            step = LessCommonFormats(f, state);
        }

        if (step == Step.Continue)
        {
            step = Ignored(f, state);
        }

        // If the HELO is still unknown, guess it.
        if (step == Step.Continue && !IsTrue(f.Helo) && HeloGuess().Match(text) is { Success: true } guess)
        {
            f.Helo = guess.Groups[1].Value;
        }

        return step;
    }

    private static Step Webmail(Fields f)
    {
        var text = f.Text;

        // from 142.169.110.122 (SquirrelMail authenticated user synapse) by
        // mail.nomis80.org with HTTP; Sat, 3 Apr 2004 10:33:43 -0500 (EST)
        // Expanded to NaSMail Bug 6783; bug 3236 reverted, bug 6549.
        if (SquirrelMail().IsMatch(text) && SquirrelMailRelay().Match(text) is { Success: true } squirrel)
        {
            (f.Ip, f.By) = (squirrel.Groups[1].Value, squirrel.Groups[2].Value);
            return Step.Enough;
        }

        // AOL WebMail headers
        // Received: from 82.135.198.129 by FWM-M18.sysops.aol.com (64.12.168.82) with HTTP (WebMailUI); Tue, 19 Jun 2007 11:16:54 -0400
        if (text.Contains("aol.com", StringComparison.Ordinal) && text.Contains("with HTTP (WebMailUI)", StringComparison.Ordinal)
            && AolWebMail().Match(text) is { Success: true } aol)
        {
            (f.Ip, f.By) = (aol.Groups[1].Value, aol.Groups[2].Value);
            return Step.Enough;
        }

        return Step.Continue;
    }

    // Formats told apart by a word the MTA writes; only the first family whose word is there is tried (Perl's elsif).
    private static Step MtaFamily(Fields f)
    {
        var text = f.Text;
        if (text.Contains(" SMTPSVC", StringComparison.Ordinal))
        {
            return MicrosoftSmtpsvc(f);
        }

        if (MicrosoftSmtpServer().IsMatch(text))
        {
            // Received: from EXC-DAG-02.global.net (10.45.252.152) by EXC-DAG-02.global.net
            //  (10.45.252.152) with Microsoft SMTP Server (version=TLS1_2,
            //  cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id 15.1.1261.35;
            //  Mon, 29 Oct 2018 11:17:19 +0100
            // Received: from AM5PR0402MB2836.eurprd04.prod.outlook.com
            //  ([fe80::19bd:c588:dd17:5226]) by AM5PR0402MB2836.eurprd04.prod.outlook.com
            //  ([fe80::19bd:c588:dd17:5226%6]) with mapi id 15.20.1943.023;
            //  Wed, 5 Jun 2019 10:17:08 +0000
            if (MicrosoftSmtpServerRelay().Match(text) is { Success: true } m)
            {
                (f.Helo, f.Ip, f.By, f.Id) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, "");
                return Step.Enough;
            }

            return Step.Continue;
        }

        if (text.Contains("[XMail ", StringComparison.Ordinal))
        {
            // bug 3791, bug 4053
            // Received: from list.brainbuzz.com (63.146.189.86:23198) by mx1.yourtech.net with [XMail 1.20 ESMTP Server] id <S72E> for <jason@ellingson.org.spamassassin.org> from <bounce-cscommunity-11965901@list.cramsession.com.spamassassin.org>; Sat, 18 Sep 2004 23:17:54 -0500
            // Received: from list.brainbuzz.com (63.146.189.86:23198) by mx1.yourtech.net (209.32.147.34:25) with [XMail 1.20 ESMTP Server] id <S72E> for <jason@ellingson.org.spamassassin.org> from <bounce-cscommunity-11965901@list.cramsession.com.spamassassin.org>; Sat, 18 Sep 2004 23:17:54 -0500
            if (XMail().Match(text) is { Success: true } m)
            {
                (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
                if (XMailId().Match(text) is { Success: true } id)
                {
                    f.Id = id.Groups[1].Value;
                }

                if (XMailFrom().Match(text) is { Success: true } from)
                {
                    f.EnvelopeFrom = from.Groups[1].Value;
                }

                return Step.Enough;
            }

            return Step.Continue;
        }

        if (Ecelerity().IsMatch(text))
        {
            // from ([10.225.209.19:33672]) by ecelerity-va-1 (ecelerity HEAD) with SMTP id EE/20-30863-33CE1054; Fri, 08 Sep 2006 18:18:27 -0400
            // from ([127.0.0.1:32923]) by bm1-21.ed10.com (ecelerity 2.1.1ea r(11031M)) with ECSTREAM id 8B/57-16227-3764EB44 for <example@vandinter.org>; Wed, 19 Jul 2006 10:49:23 -0400
            // from ([192.168.1.151:49601] helo=dev1.democracyinaction.org) by m12.prod.democracyinaction.com (ecelerity 2.1.1.3 r(11743)) with ESMTP id 52/92-02454-89FBA054 for <example@vandinter.org>; Fri, 15 Sep 2006 10:58:32 -0400
            if (EcelerityWithHelo().Match(text) is { Success: true } m)
            {
                (f.Ip, f.Helo, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
                return Step.Enough;
            }

            if (EcelerityWithoutHelo().Match(text) is { Success: true } n)
            {
                (f.Ip, f.By) = (n.Groups[1].Value, n.Groups[2].Value);
                return Step.Enough;
            }

            return Step.Continue;
        }

        if (text.Contains("Exim", StringComparison.Ordinal))
        {
            return Exim(f);
        }

        if (text.Contains(" (Postfix) with", StringComparison.Ordinal))
        {
            return Postfix(f);
        }

        if (text.Contains("(Scalix SMTP Relay", StringComparison.Ordinal))
        {
            // from DPLAPTOP ( 72.242.176.162) by mail.puryear-it.com (Scalix SMTP Relay 10.0.1.3) via ESMTP; Fri, 23 Jun 2006 16:39:47 -0500 (CDT)
            if (Scalix().Match(text) is { Success: true } m)
            {
                (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
                return Step.Enough;
            }

            return Step.Continue;
        }

        if (text.Contains(" (Lotus Domino ", StringComparison.Ordinal))
        {
            // Domino never records the rDNS: bug 5926.
            if (LotusDomino().Match(text) is { Success: true } m)
            {
                f.MtaLookedUpDns = false;
                (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
                return Step.Enough;
            }
        }

        return Step.Continue;
    }

    private static Step MicrosoftSmtpsvc(Fields f)
    {
        // MS servers using this format do not look up the rDNS.
        // Received: from inet-vrs-05.redmond.corp.microsoft.com ([157.54.6.157])
        // by INET-IMC-05.redmond.corp.microsoft.com with Microsoft
        // SMTPSVC(5.0.2195.6624); Thu, 6 Mar 2003 12:02:35 -0800
        // Received: from 0 ([61.31.135.91]) by bass.bass.com.eg with Microsoft
        // SMTPSVC(5.0.2195.6713); Tue, 21 Sep 2004 08:59:06 +0300
        // Received: from 0 ([61.31.138.57] RDNS failed) by nccdi.com with
        // Microsoft SMTPSVC(6.0.3790.0); Thu, 23 Sep 2004 08:51:06 -0700
        // Received: from tthompson ([217.35.105.172] unverified) by
        // mail.neosinteractive.com with Microsoft SMTPSVC(5.0.2195.5329);
        // Tue, 11 Mar 2003 13:23:01 +0000
        // Received: from  ([172.16.1.78]) by email2.codeworksonline.com with Microsoft SMTPSVC(5.0.2195.6713); Wed, 6 Sep 2006 21:14:29 -0400
        if (Smtpsvc().Match(f.Text) is { Success: true } m)
        {
            (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from mail pickup service by mail1.insuranceiq.com with
        // Microsoft SMTPSVC; Thu, 13 Feb 2003 19:05:39 -0500
        return SmtpsvcPickup().IsMatch(f.Text) ? Step.Skip : Step.Continue;
    }

    private static Step Exim(Fields f)
    {
        // One of the HUGE number of Exim formats :( (bugs 3950, 3582; Exim's spec, section 14).
        var text = f.Text;

        // from root (helo=candygram.thunk.org) by thunker.thunk.org with local-esmtps  (tls_cipher TLS-1.0:RSA_AES_256_CBC_SHA:32)  (Exim 4.50 #1 (Debian)) id 1FwHqR-0008Bw-OG; Fri, 30 Jun 2006 08:11:35 -0400
        // from root (helo=localhost) by broadcast.iac.iafrica.com with local-bsmtp (Exim 4.30; FreeBSD) id 1GN22d-0000xp-2K for example@vandinter.org; Tue, 12 Sep 2006 08:46:43 +0200
        // Received: from andrew by trinity.supernews.net with local (Exim 4.12) id 18xeL6-000Dn1-00; Tue, 25 Mar 2003 02:39:00 +0000
        if (EximLocal().IsMatch(text))
        {
            return Step.Skip;
        }

        // Received: from [61.174.163.26] (helo=host) by sc8-sf-list1.sourceforge.net with smtp (Exim 3.31-VA-mm2 #1 (Debian)) id 18t2z0-0001NX-00 for <razor-users@lists.sourceforge.net>; Wed, 12 Mar 2003 01:57:10 -0800
        // Received: from [218.19.142.229] (helo=hotmail.com ident=yiuhyotp) by yzordderrex with smtp (Exim 3.35 #1 (Debian)) id 194BE5-0005Zh-00; Sat, 12 Apr 2003 03:58:53 +0100
        if (EximBracketedIp().Match(text) is { Success: true } m)
        {
            (f.Ip, f.By) = (m.Groups[1].Value, m.Groups[3].Value);
            HeloAndIdent(f, m.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from sc8-sf-list1-b.sourceforge.net ([10.3.1.13] helo=sc8-sf-list1.sourceforge.net) by sc8-sf-list2.sourceforge.net with esmtp (Exim 3.31-VA-mm2 #1 (Debian)) id 18t301-0007Bh-00; Wed, 12 Mar 2003 01:58:13 -0800
        // Received: from eclectic.kluge.net ([66.92.69.221] ident=[W9VcNxE2vKxgWHD05PJbLzIHSxcmZQ/O]) by sc8-sf-list1.sourceforge.net with esmtp (Cipher TLSv1:DES-CBC3-SHA:168) (Exim 3.31-VA-mm2 #1 (Debian)) id 18m0hT-00031I-00 for <spamassassin-talk@lists.sourceforge.net>; Thu, 20 Feb 2003 16:06:00 -0800
        // Received: from mail.ssccbelen.edu.pe ([216.244.149.154]) by yzordderrex
        // with esmtp (Exim 3.35 #1 (Debian)) id 18tqiz-000702-00 for
        // <jm@example.com>; Fri, 14 Mar 2003 15:03:57 +0000
        // Received: from server040.webpack.hosteurope.de ([80.237.130.48]:52313)
        // by vps832469583.serverpool.info with esmtps
        // (TLS-1.0:DHE_RSA_3DES_EDE_CBC_SHA:24) (Exim 4.50) id 1GzVLs-0002Oz-7b...
        if (EximRdnsBracketedIp().Match(text) is { Success: true } n)
        {
            (f.Rdns, f.Ip, f.By) = (n.Groups[1].Value, n.Groups[2].Value, n.Groups[4].Value);

            // The HELO is the rDNS unless it says otherwise: bug 5112.
            f.Helo = f.Rdns;
            HeloAndIdent(f, n.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from boggle.ihug.co.nz [203.109.252.209] by grunt6.ihug.co.nz
        // with esmtp (Exim 3.35 #1 (Debian)) id 18SWRe-0006X6-00; Sun, 29 Dec
        // 2002 18:57:06 +1300
        if (EximRdnsIp().Match(text) is { Success: true } o)
        {
            (f.Rdns, f.Ip, f.Helo, f.By) = (o.Groups[1].Value, o.Groups[2].Value, o.Groups[1].Value, o.Groups[4].Value);
            return Step.Enough;
        }

        // Other odd Exim formats: just little bits of the header.
        // Received: from helene8.i.pinwand.net (helene.cats.ms) [10.0.8.6.13219]
        // (mail) by lisbeth.i.pinwand.net with esmtp (Exim 3.35 #1 (Debian)) id
        // 1CO5y7-0001vC-00; Sun, 31 Oct 2004 04:01:23 +0100
        if (FirstWord().Match(text) is { Success: true } first)
        {
            // Assumed to be the rDNS, not the HELO.
            f.Rdns = first.Groups[1].Value;
        }

        if (ParenthesizedWord().Match(text) is { Success: true } parenthesized)
        {
            f.Helo = parenthesized.Groups[1].Value;
        }

        if (EximOddIp().Match(text) is { Success: true } ip)
        {
            f.Ip = ip.Groups[1].Value;
        }

        if (EximBy().Match(text) is { Success: true } by)
        {
            // A "by" and an IP address are enough for most uses.
            f.By = by.Groups[1].Value;
            if (IsTrue(f.Ip))
            {
                return Step.Enough;
            }
        }

        // Else it is probably forged: fall through.
        return Step.Continue;
    }

    // Exim's "(helo=... ident=...)": each taken out of the comment in turn, as Perl's s/// does.
    private static void HeloAndIdent(Fields f, string comment)
    {
        if (EximHelo().Match(comment) is { Success: true } helo)
        {
            f.Helo = helo.Groups[1].Value;
            comment = comment.Remove(helo.Index, helo.Length);
        }

        if (EximIdent().Match(comment) is { Success: true } ident)
        {
            f.Ident = ident.Groups[1].Value;
        }
    }

    private static Step Postfix(Fields f)
    {
        // Received: from localhost (unknown [127.0.0.1])
        // by cabbage.jmason.org (Postfix) with ESMTP id A96E18BD97
        // for <jm@localhost>; Thu, 13 Mar 2003 15:23:15 -0500 (EST)
        // Received: from 207.8.214.3 (unknown[211.94.164.65])
        // by puzzle.pobox.com (Postfix) with SMTP id 9029AFB732;
        // Sat,  8 Nov 2003 17:57:46 -0500 (EST)
        // (Pobox.com version: reported in bug 2745)
        Match m;
        if ((m = PostfixRelay().Match(f.Text)).Success || (m = PostfixPoboxRelay().Match(f.Text)).Success)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Rdns, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value);
            if (f.Rdns == "unknown")
            {
                f.Rdns = "";
            }

            return Step.Enough;
        }

        return Step.Continue;
    }

    private static Step CommonFormats(Fields f)
    {
        var text = f.Text;

        // Received: from 217.137.58.28 ([217.137.58.28])
        // by webmail.ukonline.net (IMP) with HTTP
        // for <anarchyintheuk@localhost>; Sun, 11 Apr 2004 00:31:07 +0100
        // Some smarty-pants decided to fake a numeric HELO for HTTP; no rDNS in this format?
        if (WithHttp().IsMatch(text) && HttpNumericHelo().Match(text) is { Success: true } http)
        {
            (f.Ip, f.By) = (http.Groups[1].Value, http.Groups[2].Value);
            return Step.Enough;
        }

        // MiB 2003/11/29: some qmail-ldap headers would read as sendmail's; skip the sendmail test on evidence of qmail-ldap.
        //
        // sendmail:
        // Received: from mail1.insuranceiq.com (host66.insuranceiq.com [65.217.159.66] (may be forged)) by dogma.slashnull.org (8.11.6/8.11.6) with ESMTP id h2F0c2x31856 for <jm@jmason.org>; Sat, 15 Mar 2003 00:38:03 GMT
        // Received: from BAY0-HMR08.adinternal.hotmail.com (bay0-hmr08.bay0.hotmail.com [65.54.241.207]) by dogma.slashnull.org (8.11.6/8.11.6) with ESMTP id h2DBpvs24047 for <webmaster@efi.ie>; Thu, 13 Mar 2003 11:51:57 GMT
        // Received: from ran-out.mx.develooper.com (IDENT:qmailr@one.develooper.com [64.81.84.115]) by dogma.slashnull.org (8.11.6/8.11.6) with SMTP id h381Vvf19860 for <jm-cpan@jmason.org>; Tue, 8 Apr 2003 02:31:57 +0100
        // from rev.net (natpool62.rev.net [63.148.93.62] (may be forged)) (authenticated) by mail.rev.net (8.11.4/8.11.4) with ESMTP id h0KKa7d32306 for <spamassassin-talk@lists.sourceforge.net>
        if (!QmailLdap().IsMatch(text) && Sendmail().Match(text) is { Success: true } sendmail)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Rdns, f.Ip, f.By) = (sendmail.Groups[1].Value, sendmail.Groups[2].Value, sendmail.Groups[3].Value, sendmail.Groups[4].Value);

            // IDENT lookups.
            if (IdentPrefix().Match(f.Rdns) is { Success: true } identPrefix)
            {
                f.Ident = identPrefix.Groups[1].Value;
                f.Rdns = f.Rdns[identPrefix.Length..];
            }

            if (UserPrefix().Match(f.Rdns) is { Success: true } userPrefix)
            {
                f.Ident = userPrefix.Groups[1].Value;
                f.Rdns = f.Rdns[userPrefix.Length..];
            }

            return Step.Enough;
        }

        // OK, AT THIS POINT FORMATS GET A BIT NON-STANDARD

        // Received: from ns.elcanto.co.kr (66.161.246.58 [66.161.246.58]) by
        // mail.ssccbelen.edu.pe with SMTP (Microsoft Exchange Internet Mail Service
        // Version 5.5.1960.3) id G69TW478; Thu, 13 Mar 2003 14:01:10 -0500
        if (ExchangeInternetMail().Match(text) is { Success: true } exchange)
        {
            f.MtaLookedUpDns = true;
            (f.Rdns, f.Ip, f.Helo, f.By) = (exchange.Groups[2].Value, exchange.Groups[3].Value, exchange.Groups[1].Value, exchange.Groups[4].Value);
            return Step.Enough;
        }

        // from mail2.detr.gsi.gov.uk ([51.64.35.18] helo=ahvfw.dtlr.gsi.gov.uk) by mail4.gsi.gov.uk with smtp id 190K1R-0000me-00 for spamassassin-talk-admin@lists.sourceforge.net; Tue, 01 Apr 2003 12:33:46 +0100
        if (BracketedIpWithHelo().Match(text) is { Success: true } withHelo)
        {
            (f.Rdns, f.Ip, f.Helo, f.By) = (withHelo.Groups[1].Value, withHelo.Groups[2].Value, withHelo.Groups[3].Value, withHelo.Groups[4].Value);
            return Step.Enough;
        }

        // from 12-211-5-69.client.attbi.com (<unknown.domain>[12.211.5.69]) by rwcrmhc53.attbi.com (rwcrmhc53) with SMTP id <2002112823351305300akl1ue>; Thu, 28 Nov 2002 23:35:13 +0000
        if (UnknownDomain().Match(text) is { Success: true } unknown)
        {
            (f.Helo, f.Ip, f.By) = (unknown.Groups[1].Value, unknown.Groups[2].Value, unknown.Groups[3].Value);
            return Step.Enough;
        }

        // from attbi.com (h000502e08144.ne.client2.attbi.com[24.128.27.103]) by rwcrmhc53.attbi.com (rwcrmhc53) with SMTP id <20030222193438053008f7tee>; Sat, 22 Feb 2003 19:34:39 +0000
        if (DottedRdnsIp().Match(text) is { Success: true } attbi)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Rdns, f.Ip, f.By) = (attbi.Groups[1].Value, attbi.Groups[2].Value, attbi.Groups[3].Value, attbi.Groups[4].Value);
            return Step.Enough;
        }

        // Received: from 4wtgRl (kgbxn@[211.244.147.115]) by dogma.slashnull.org (8.11.6/8.11.6) with SMTP id h8BBsUJ18848; Thu, 11 Sep 2003 12:54:31 +0100
        if (IdentAtBracketedIp().Match(text) is { Success: true } identAt)
        {
            // This one does look up the rDNS; there just was none.
            f.MtaLookedUpDns = true;
            (f.Helo, f.Ip, f.By, f.Ident) = (identAt.Groups[1].Value, identAt.Groups[3].Value, identAt.Groups[4].Value, identAt.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from 213.123.174.21 by lw11fd.law11.hotmail.msn.com with HTTP;
        // Wed, 24 Jul 2002 16:36:44 GMT
        if (HotmailBy().Match(text) is { Success: true } hotmail)
        {
            f.By = hotmail.Groups[1].Value;
            if (LeadingIp().Match(text) is { Success: true } ip)
            {
                f.Ip = ip.Groups[1].Value;
            }

            return Step.Enough;
        }

        // Received: from x71-x56-x24-5.webspeed.dk (HELO niels) (69.96.3.15) by la.mx.develooper.com (qpsmtpd/0.27-dev) with SMTP; Fri, 02 Jan 2004 19:26:52 -0800
        // Received: from sc8-sf-sshgate.sourceforge.net (HELO sc8-sf-netmisc.sourceforge.net) (66.35.250.220) by la.mx.develooper.com (qpsmtpd/0.27-dev) with ESMTP; Fri, 02 Jan 2004 14:44:41 -0800
        // Received: from mx10.topofferz.net (HELO ) (69.6.60.10) by blazing.arsecandle.org with SMTP; 3 Mar 2004 20:34:38 -0000
        // Received: from mail-backend.DDDD.com (LHLO mail-backend.DDDD.com) (10.2.2.20) by mail-backend.DDDD.com with LMTP; Thu, 18 Jun 2015 16:50:56 -0700 (PDT)
        // from dslb-082-083-045-064.pools.arcor-ip.net (EHLO homepc) [82.83.45.64] by mail.gmx.net (mp010) with SMTP; 03 Feb 2007 13:13:47 +0100
        Match q;
        if ((q = Qpsmtpd().Match(text)).Success || (q = Lmtp().Match(text)).Success || (q = GmxRelay().Match(text)).Success)
        {
            (f.Rdns, f.Helo, f.Ip, f.By) = (q.Groups[1].Value, q.Groups[2].Value, q.Groups[3].Value, q.Groups[4].Value);
            return Step.Enough;
        }

        // MiB (Michel Bouissou, 2003/11/16): moved up because it might match the qmail tests, and this is not qmail.
        //
        // Received: from imo-m01.mx.aol.com ([64.12.136.4]) by eagle.glenraven.com
        // via smtpd (for [198.85.87.98]) with SMTP; Wed, 08 Oct 2003 16:25:37 -0400
        if (ViaSmtpd().Match(text) is { Success: true } smtpd)
        {
            (f.Helo, f.Ip, f.By) = (smtpd.Groups[1].Value, smtpd.Groups[2].Value, smtpd.Groups[3].Value);
            return Step.Enough;
        }

        return Step.Continue;
    }

    private static Step QmailFormats(Fields f)
    {
        var text = f.Text;

        // Most of the qmail possibilities. General format:
        // Received: from postfix3-2.free.fr (HELO machine.domain.com) (foobar@213.228.0.169) by totor.bouissou.net with SMTP; 14 Nov 2003 08:05:50 -0000
        //
        // "from (remote.rDNS|unknown)" is always there
        // "(HELO machine.domain.com)" is there only if HELO differs from remote rDNS.
        // HELO may be "" -- ie no string. "HELO" may also be "EHLO".  HELO string
        // may be an IP in fmt [1.2.3.4] -- do not strip [ and ], they are important.
        // "foobar@" is remote IDENT info, specified only if ident given by remote
        // Remote IP always appears between (parentheses), with or without IDENT@
        // "by local.system.domain.com" always appears
        //
        // Protocol can be different from "SMTP", i.e. "RC4-SHA encrypted SMTP" or "QMQP"
        // qmail's reported protocol shouldn't be "ESMTP", so by allowing only "with (.* )(SMTP|QMQP)"
        // we should avoid matching on some sendmailish Received: lines that reports remote IP
        // between ([218.0.185.24]) like qmail-ldap does, but use "with ESMTP".
        //
        // Normally, qmail-smtpd remote IP isn't between square brackets [], but some versions of
        // qmail-ldap seem to add square brackets around remote IP. These versions of qmail-ldap
        // use a longer format that also states the (envelope-sender <sender@domain>) and the
        // qmail-ldap version. Example:
        // Received: from unknown (HELO terpsichore.farfalle.com) (jdavid@[216.254.40.70]) (envelope-sender <jdavid@farfalle.com>) by mail13.speakeasy.net (qmail-ldap-1.03) with SMTP for <jm@jmason.org>; 12 Feb 2003 18:23:19 -0000
        //
        // Received: from 211.245.85.228  (EHLO ) (211.245.85.228) by mta232.mail.scd.yahoo.com with SMTP; Sun, 25 Jan 2004 00:24:37 -0800
        //
        // Bug 4813: no " id " after the protocol, that is sendmail's line, not qmail's.
        if (QmailLine().IsMatch(text))
        {
            Match m;
            if ((m = QmailHeloIdent().Match(text)).Success)
            {
                (f.Rdns, f.Helo, f.Ident, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value, m.Groups[6].Value);
            }
            else if ((m = QmailHelo().Match(text)).Success)
            {
                (f.Rdns, f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[5].Value);
            }
            else if ((m = QmailIdent().Match(text)).Success)
            {
                // No HELO means it was the rDNS, in qmail-land.
                (f.Helo, f.Rdns, f.Ident, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[5].Value);
            }
            else if ((m = QmailPlain().Match(text)).Success)
            {
                (f.Helo, f.Rdns, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[1].Value, m.Groups[2].Value, m.Groups[4].Value);
            }

            // qmail does no rDNS lookup itself, but tcpserver or a similar daemon passes it one; "unknown" means the remote
            // has no rDNS, or the daemon gave none.
            if (f.Rdns != "unknown")
            {
                f.MtaLookedUpDns = true;
            }
            else
            {
                f.Rdns = "";
            }

            return Step.Enough;
        }

        // Received: from [193.220.176.134] by web40310.mail.yahoo.com via HTTP;
        // Wed, 12 Feb 2003 14:22:21 PST
        if (text.EndsWith(" via HTTP", StringComparison.Ordinal) && YahooViaHttp().Match(text) is { Success: true } yahoo)
        {
            (f.Ip, f.By) = (yahoo.Groups[1].Value, yahoo.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from 192.168.5.158 ( [192.168.5.158]) as user jason@localhost by mail.reusch.net with HTTP; Mon, 8 Jul 2002 23:24:56 -0400
        if (SpaceBracketedIp().Match(text) is { Success: true } spaced)
        {
            // SpamAssassin is not sure the first word is the HELO, so the HELO stays as found above.
            (f.Ip, f.By) = (spaced.Groups[2].Value, spaced.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from (64.52.135.194 [64.52.135.194]) by mail.unearthed.com with ESMTP id BQB0hUH2 Thu, 20 Feb 2003 16:13:20 -0700 (PST)
        if (NoHeloName().Match(text) is { Success: true } noName)
        {
            (f.Helo, f.Ip, f.By) = (noName.Groups[1].Value, noName.Groups[2].Value, noName.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from [65.167.180.251] by relent.cedata.com (MessageWall 1.1.0) with SMTP; 20 Feb 2003 23:57:15 -0000
        if (BracketedIpBy().Match(text) is { Success: true } bracketed)
        {
            (f.Ip, f.By) = (bracketed.Groups[1].Value, bracketed.Groups[2].Value);
            return Step.Enough;
        }

        // from  ([172.16.1.78]) by email2.codeworksonline.com with Microsoft SMTPSVC(5.0.2195.6713); Wed, 6 Sep 2006 21:14:29 -0400
        // from (130.215.36.186) by mcafee.wpi.edu via smtp id 021b_7e19a55a_ea7e_11da_83a9_00304811e63a; Tue, 23 May 2006 13:06:35 -0400
        // from ([172.21.2.10]) by out-relay4.mtahq.org with ESMTP  id 4420961.8281; Tue, 22 Aug 2006 17:53:08 -0400
        if (OnlyIp().Match(text) is { Success: true } only)
        {
            (f.Ip, f.By) = (only.Groups[1].Value, only.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from acecomms [202.83.84.95] by mailscan.acenet.net.au [202.83.84.27] with SMTP (MDaemon.PRO.v5.0.6.R) for <spamassassin-talk@lists.sourceforge.net>; Fri, 21 Feb 2003 09:32:27 +1000
        if (MDaemon().Match(text) is { Success: true } mdaemon)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Ip, f.By) = (mdaemon.Groups[1].Value, mdaemon.Groups[2].Value, mdaemon.Groups[3].Value);
            return Step.Enough;
        }

        // Received: smtp510.aspkunden.de [(134.97.4.21)] by mail.aspemail.de (134.97.4.24) (MDaemon PRO v19.0.2)  with ESMTP id md50018233933.msg; Tue, 16 Jul 2019 11:39:22 +0200
        if (MDaemonPro().Match(text) is { Success: true } pro)
        {
            (f.Helo, f.Ip, f.By) = (pro.Groups[1].Value, pro.Groups[2].Value, pro.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from mail.sxptt.zj.cn ([218.0.185.24]) by dogma.slashnull.org
        // (8.11.6/8.11.6) with ESMTP id h2FH0Zx11330 for <webmaster@efi.ie>;
        // Sat, 15 Mar 2003 17:00:41 GMT
        if (SendmailNoRdns().Match(text) is { Success: true } noRdns)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Ip, f.By) = (noRdns.Groups[1].Value, noRdns.Groups[2].Value, noRdns.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from umr-mail7.umr.edu (umr-mail7.umr.edu [131.151.1.64]) via ESMTP by mrelay1.cc.umr.edu (8.12.1/) id h06GHYLZ022481; Mon, 6 Jan 2003 10:17:34 -0600
        // Received: from Agni (localhost [::ffff:127.0.0.1]) (TLS: TLSv1/SSLv3, 168bits,DES-CBC3-SHA) by agni.forevermore.net with esmtp; Mon, 28 Oct 2002 14:48:52 -0800
        // Received: from gandalf ([4.37.75.131]) (authenticated bits=0) by herald.cc.purdue.edu (8.12.5/8.12.5/herald) with ESMTP id g9JLefrm028228 for <spamassassin-talk@lists.sourceforge.net>; Sat, 19 Oct 2002 16:40:41 -0500 (EST)
        // Received: from bushinternet.com (softdnserr [::ffff:61.99.99.67]) by mail.cs.helsinki.fi with esmtp; Fri, 22 Aug 2003 12:25:41 +0300
        if (SendmailLoose().Match(text) is { Success: true } loose)
        {
            if (loose.Groups[2].Value == "softdnserr")
            {
                // Bug 2326: couriertcpd.
                f.MtaLookedUpDns = false;
            }
            else
            {
                f.MtaLookedUpDns = true;
                f.Rdns = loose.Groups[2].Value;
            }

            (f.Helo, f.Ip, f.By) = (loose.Groups[1].Value, loose.Groups[3].Value, loose.Groups[4].Value);
            return Step.Enough;
        }

        // from jsoliday.acs.internap.com ([63.251.66.24.63559]) by
        // mailhost.acs.internap.com with esmtp  (v3.35.1) id 1GNrLz-000295-00;
        // Thu, 14 Sep 2006 09:34:07 -0400
        if (IpWithPort().Match(text) is { Success: true } port)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Ip, f.By) = (port.Groups[1].Value, port.Groups[2].Value, port.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from roissy (p573.as1.exs.dublin.eircom.net [159.134.226.61])
        // (authenticated bits=0) by slate.dublin.wbtsystems.com (8.12.6/8.12.6)
        // with ESMTP id g9MFWcvb068860 for <jm@jmason.org>;
        // Tue, 22 Oct 2002 16:32:39 +0100 (IST)
        if (SendmailAuthenticatedBits().Match(text) is { Success: true } bits)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Rdns, f.Ip, f.By) = (bits.Groups[1].Value, bits.Groups[2].Value, bits.Groups[3].Value, bits.Groups[4].Value);
            return Step.Enough;
        }

        return Step.Continue;
    }

    private static Step LessCommonFormats(Fields f, ReceivedParseState state)
    {
        var text = f.Text;
        Match m;

        // Fetch-from-server incidents.
        // Fetchmail:
        // Received: from cabbage.jmason.org [127.0.0.1]
        // by localhost with IMAP (fetchmail-5.9.0)
        // for jm@localhost (single-drop); Thu, 13 Mar 2003 20:39:56 -0800 (PST)
        //
        // Getmail:
        // Received: from pop3.mail.dk (195.41.46.251) by loki.valhalla with POP3;
        // 14 Apr 2010 11:14:29 -0000
        if (MailFetcher().IsMatch(text))
        {
            // SpamCop restarts the parse there, and it is a great idea; only inside the trusted part, though.
            state.RestartRequested = state.AllowMailFetchMarkers;
            return Step.Skip;
        }

        // A few qmailish formats in one; https://issues.apache.org/SpamAssassin/show_bug.cgi?id=2744#c14 :
        // Received: from unknown (HELO feux01a-isp) (213.199.4.210) by totor.bouissou.net with SMTP; 1 Nov 2003 07:05:19 -0000
        // Received: from adsl-207-213-27-129.dsl.lsan03.pacbell.net (HELO merlin.net.au) (Owner50@207.213.27.129) by totor.bouissou.net with SMTP; 10 Nov 2003 06:30:34 -0000
        if (QmailishHelo().Match(text) is { Success: true } qmailish)
        {
            f.MtaLookedUpDns = true;
            (f.Rdns, f.Helo, f.Ip, f.By) = (qmailish.Groups[1].Value, qmailish.Groups[2].Value, qmailish.Groups[4].Value, qmailish.Groups[5].Value);
            f.Ident = TrimIdentAt(qmailish.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from x1-6-00-04-bd-d2-e0-a3.k317.webspeed.dk (benelli@80.167.158.170) by totor.bouissou.net with SMTP; 5 Nov 2003 23:18:42 -0000
        if (QmailishNoHelo().Match(text) is { Success: true } noHelo)
        {
            // Bug 2744: qmail leaves the HELO out when it is the rDNS.
            f.MtaLookedUpDns = true;
            (f.Rdns, f.Helo, f.Ip, f.By) = (noHelo.Groups[1].Value, noHelo.Groups[1].Value, noHelo.Groups[3].Value, noHelo.Groups[4].Value);
            f.Ident = TrimIdentAt(noHelo.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from [129.24.215.125] by ws1-7.us4.outblaze.com with http for
        // _bushisevil_@mail.com; Thu, 13 Feb 2003 15:59:28 -0500
        if (text.Contains(" with http for ", StringComparison.Ordinal) && (m = Outblaze().Match(text)).Success)
        {
            (f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from snake.corp.yahoo.com(216.145.52.229) by x.x.org via smap (V1.3)
        // id xma093673; Wed, 26 Mar 03 20:43:24 -0600
        if (text.Contains(" via smap ", StringComparison.Ordinal) && (m = Smap().Match(text)).Success)
        {
            f.MtaLookedUpDns = true;
            (f.Rdns, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from smtp.greyware.com(208.14.208.51, HELO smtp.sff.net) by x.x.org via smap (V1.3)
        // id xma002908; Fri, 27 Feb 04 14:16:56 -0800
        if ((m = SmapHelo().Match(text)).Success)
        {
            f.MtaLookedUpDns = true;
            (f.Rdns, f.Ip, f.Helo, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value);
            return Step.Enough;
        }

        // Received: from [192.168.0.71] by web01-nyc.clicvu.com (Post.Office MTA
        // v3.5.3 release 223 ID# 0-64039U1000L100S0V35) with SMTP id com for
        // <x@x.org>; Tue, 25 Mar 2003 11:42:04 -0500
        // Received: from [127.0.0.1] by euphoria (ArGoSoft Mail Server
        // Freeware, Version 1.8 (1.8.2.5)); Sat, 8 Feb 2003 09:45:32 +0200
        if ((text.Contains(" (Post", StringComparison.Ordinal) && (m = PostOffice().Match(text)).Success)
            || (text.Contains(" (ArGoSoft", StringComparison.Ordinal) && (m = ArGoSoft().Match(text)).Success))
        {
            (f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from 157.54.8.23 by inet-vrs-05.redmond.corp.microsoft.com
        // (InterScan E-Mail VirusWall NT); Thu, 06 Mar 2003 12:02:35 -0800
        // Received: from 10.165.130.62 by CNNIMAIL12.CNN.COM (SMTPL release 1.0d) with TCP; Fri, 1 Sep 2006 20:28:14 -0400
        if ((m = InterScan().Match(text)).Success)
        {
            (f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from faerber.muc.de by slarti.muc.de with BSMTP (rsmtp-qm-ot 0.4)
        // for asrg@ietf.org; 7 Mar 2003 21:10:38 -0000
        // BSMTP is not a TCP/IP handover.
        if (text.Contains(" with BSMTP", StringComparison.Ordinal) && Bsmtp().IsMatch(text))
        {
            return Step.Skip;
        }

        // Received: from spike (spike.ig.co.uk [193.32.60.32]) by mail.ig.co.uk with
        // SMTP id h27CrCD03362 for <asrg@ietf.org>; Fri, 7 Mar 2003 12:53:12 GMT
        if ((m = HeloRdnsIpWith().Match(text)).Success)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Rdns, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value);
            return Step.Enough;
        }

        // Received: from customer254-217.iplannetworks.net (HELO AGAMENON)
        // (baldusi@200.69.254.217 with plain) by smtp.mail.vip.sc5.yahoo.com with
        // SMTP; 11 Mar 2003 21:03:28 -0000
        if ((m = YahooPlain().Match(text)).Success)
        {
            f.MtaLookedUpDns = true;
            (f.Rdns, f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[4].Value, m.Groups[5].Value);
            if (m.Groups[3].Success)
            {
                f.Ident = m.Groups[3].Value;
            }

            return Step.Enough;
        }

        // Received: from [192.168.1.104] (account nazgul HELO [192.168.1.104])
        // by somewhere.com (CommuniGate Pro SMTP 3.5.7) with ESMTP-TLS id 2088434;
        // Fri, 07 Mar 2003 13:05:06 -0500
        if ((m = CommunigateAccount().Match(text)).Success)
        {
            (f.Ip, f.Helo, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from host.example.com ([192.0.2.1] verified)
        // by mail.example.net (CommuniGate Pro SMTP 5.1.13)
        // with ESMTP id 9786656 for user@example.net; Thu, 27 Mar 2008 15:08:17 +0600
        if (text.Contains(" (CommuniGate Pro", StringComparison.Ordinal) && (m = CommunigateVerified().Match(text)).Success)
        {
            f.MtaLookedUpDns = true;
            (f.Rdns, f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from ([10.0.0.6]) by mail0.ciphertrust.com with ESMTP ; Thu,
        // 13 Mar 2003 06:26:21 -0500 (EST)
        if ((m = OnlyBracketedIpWith().Match(text)).Success)
        {
            (f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from ironport.com (10.1.1.5) by a50.ironport.com with ESMTP; 01 Apr 2003 12:00:51 -0800
        // Received: from dyn-81-166-39-132.ppp.tiscali.fr (81.166.39.132) by cpmail.dk.tiscali.com (6.7.018)
        if ((m = HeloParenthesizedIp().Match(text)).Success)
        {
            (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from scv3.apple.com (scv3.apple.com) by mailgate2.apple.com (Content Technologies SMTPRS 4.2.1) with ESMTP id <T61095998e1118164e13f8@mailgate2.apple.com>; Mon, 17 Mar 2003 17:04:54 -0800
        // Bug 4704: only Content Technologies', so that it stops matching first what comes after it. Useless without the IP anyway.
        if (ContentTechnologies().IsMatch(text))
        {
            return Step.Skip;
        }

        // Received: from 01al10015010057.ad.bls.com ([90.152.5.141] [90.152.5.141])
        // by aismtp3g.bls.com with ESMTP; Mon, 10 Mar 2003 11:10:41 -0500
        if ((m = TwoBracketedIps().Match(text)).Success)
        {
            // SpamAssassin is not sure what the second one is.
            (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[4].Value);
            return Step.Enough;
        }

        // Received: from 206.47.0.153 by dm3cn8.bell.ca with ESMTP (Tumbleweed MMS
        // SMTP Relay (MMS v5.0)); Mon, 24 Mar 2003 19:49:48 -0500
        if ((m = IpByWith().Match(text)).Success)
        {
            (f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from pobox.com (h005018086b3b.ne.client2.attbi.com[66.31.45.164])
        // by rwcrmhc53.attbi.com (rwcrmhc53) with SMTP id <2003031302165605300suph7e>;
        // Thu, 13 Mar 2003 02:16:56 +0000
        if ((m = RdnsIpNoSpace().Match(text)).Success)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Rdns, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value);
            return Step.Enough;
        }

        // Received: from [10.128.128.81]:50999 (HELO dfintra.f-secure.com) by fsav4im2 ([10.128.128.74]:25) (F-Secure Anti-Virus for Internet Mail 6.0.34 Release) with SMTP; Tue, 5 Mar 2002 14:11:53 -0000
        // Received: from 62.180.7.250 (HELO daisy) by smtp.altavista.de (209.228.22.152) with SMTP; 19 Sep 2002 17:03:17 +0000
        if ((m = FSecure().Match(text)).Success || (m = IpHelo().Match(text)).Success)
        {
            (f.Ip, f.Helo, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from oemcomputer [63.232.189.195] by highstream.net (SMTPD32-7.07) id A4CE7F2A0028; Sat, 01 Feb 2003 21:39:10 -0500
        if ((m = HeloBracketedIpBy().Match(text)).Success)
        {
            (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // from nodnsquery(192.100.64.12) by herbivore.monmouth.edu via csmap (V4.1) id srcAAAyHaywy
        if ((m = Csmap().Match(text)).Success)
        {
            (f.Rdns, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // Received: from [192.168.0.13] by <server> (MailGate 3.5.172) with SMTP;
        // Tue, 1 Apr 2003 15:04:55 +0100
        if ((m = MailGate().Match(text)).Success)
        {
            (f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from jmason.org (unverified [195.218.107.131]) by ni-mail1.dna.utvinternet.net <B0014212518@ni-mail1.dna.utvinternet.net>; Tue, 11 Feb 2003 12:18:12 +0000
        if ((m = Unverified().Match(text)).Success)
        {
            (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // from 165.228.131.11 (proxying for 139.130.20.189) (SquirrelMail authenticated user jmmail) by jmason.org with HTTP
        if ((m = IpCommentByWith().Match(text)).Success)
        {
            (f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from [212.87.144.30] (account seiz [212.87.144.30] verified) by x.imd.net (CommuniGate Pro SMTP 4.0.3) with ESMTP-TLS id 5026665 for spamassassin-talk@lists.sourceforge.net; Wed, 15 Jan 2003 16:27:05 +0100
        // Bug 4704: this was an Exim format only, but others write it too.
        // Received: from [206.51.230.145] (helo=t-online.de)
        //   by mxeu2.kundenserver.de with ESMTP (Nemesis),
        //  id 0MKpdM-1CkRpr14PF-000608; Fri, 31 Dec 2004 19:49:15 +0100
        // Received: from [218.19.142.229] (helo=hotmail.com ident=yiuhyotp)
        //   by yzordderrex with smtp (Exim 3.35 #1 (Debian)) id 194BE5-0005Zh-00; Sat, 12 Apr 2003 03:58:53 +0100
        if ((m = BracketedIpComment().Match(text)).Success)
        {
            (f.Ip, f.By) = (m.Groups[1].Value, m.Groups[3].Value);
            HeloAndIdent(f, m.Groups[2].Value);
            return Step.Enough;
        }

        // Received: from mtsbp606.email-info.net (?dXqpg3b0hiH9faI2OxLT94P/YKDD3rQ1?@64.253.199.166) by kde.informatik.uni-kl.de with SMTP; 30 Apr 2003 15:06:29
        if ((m = RdnsIdentIpWith().Match(text)).Success)
        {
            (f.Rdns, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // Obtuse smtpd: http://www.obtuse.com/
        // Received: from TCE-E-7-182-54.bta.net.cn(202.106.182.54) via SMTP
        //  by st.tahina.priv.at, id smtpdEDUB8h; Sun Nov 13 14:50:12 2005
        // Received: from pl027.nas934.d-osaka.nttpc.ne.jp(61.197.82.27), claiming to be "foo.woas.net" via SMTP
        //  by st.tahina.priv.at, id smtpd1PBsZT; Sun Nov 13 15:38:52 2005
        if ((m = Obtuse().Match(text)).Success)
        {
            (f.Rdns, f.Ip, f.Helo, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value);
            if (m.Groups[1].Value != "UNKNOWN")
            {
                f.MtaLookedUpDns = true;
            }

            return Step.Enough;
        }

        // Yahoo Authenticated SMTP; Bug #6535
        // from itrqtnlnq (lucilleskinner@93.124.107.183 with login) by smtp111.mail.ne1.yahoo.com with SMTP; 17 Jan 2011 08:23:27 -0800 PST
        if ((m = YahooLogin().Match(text)).Success)
        {
            (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[3].Value, m.Groups[4].Value);
            return Step.Enough;
        }

        // A synthetic header, made from X-Originating-IP and the like:
        // Received: X-Originating-IP: 1.2.3.4
        if ((m = OriginatingIp().Match(text)).Success)
        {
            (f.Ip, f.By) = (m.Groups[1].Value, "");
            return Step.Enough;
        }

        return Step.Continue;
    }

    // STUFF TO IGNORE.
    private static Step Ignored(Fields f, ReceivedParseState state)
    {
        var text = f.Text;

        // Received: from raptor.research.att.com (bala@localhost) by
        // raptor.research.att.com (SGI-8.9.3/8.8.7) with ESMTP id KAA14788
        // for <asrg@example.com>; Fri, 7 Mar 2003 10:37:56 -0500 (EST)
        // Localhost-specific, so we know it is safe to ignore.
        if (UserAtLocalhost().IsMatch(text))
        {
            return Step.Skip;
        }

        // from paul (helo=felix) by felix.peema.org with local-esmtp (Exim 4.43)
        // id 1Ccq0j-0002k2-Lk; Fri, 10 Dec 2004 19:01:01 +0000
        // Exim's documentation says this is local submission, cf. switch -oMr.
        // from 127.0.0.1 (AVG SMTP 7.0.299 [265.6.8]); Wed, 05 Jan 2005 15:06:48 -0800
        // from qmail-scanner-general-admin@lists.sourceforge.net by alpha by uid 7791 with qmail-scanner-1.14 (spamassassin: 2.41. Clear:SA:0(-4.1/5.0):. Processed in 0.209512 secs)
        // Received: from DSmith1204@aol.com by imo-m09.mx.aol.com (mail_out_v34.13.) id 7.53.208064a0 (4394); Sat, 11 Jan 2003 23:24:31 -0500 (EST)
        // Received: from Unknown/Local ([?.?.?.?]) by mailcity.com; Fri, 17 Jan 2003 15:23:29 -0000
        if (EximLocalSubmission().IsMatch(text) || Avg().IsMatch(text) || ByUid().IsMatch(text) || AddressBy().IsMatch(text)
            || text.StartsWith("Unknown/Local (", StringComparison.Ordinal))
        {
            return Step.Skip;
        }

        // Received: from localhost (mailnull@localhost) by x.org (8.12.6/8.9.3)
        // with SMTP id h2R2iivG093740; Wed, 26 Mar 2003 20:44:44 -0600
        // (CST) (envelope-from x@x.org)
        // Received: from localhost (localhost [127.0.0.1]) (uid 500) by mail with local; Tue, 07 Jan 2003 11:40:47 -0600
        // Received: from olgisoft.com (127.0.0.1) by 127.0.0.1 (EzMTS MTSSmtp
        // 1.55d5) ; Thu, 20 Mar 03 10:06:43 +0100 for <asrg@ietf.org>
        // Received: from casper.ghostscript.com (raph@casper [127.0.0.1]) h148aux8016336verify=FAIL); Tue, 4 Feb 2003 00:36:56 -0800
        // Received: from (AUTH: e40a9cea) by vqx.net with esmtp (courier-0.40) for <asrg@ietf.org>; Mon, 03 Mar 2003 14:49:28 +0000
        // from localhost (localhost [[UNIX: localhost]]) by home.barryodonovan.com
        // (8.12.11/8.12.11/Submit) id iBADHRP6011034; Fri, 10 Dec 2004 13:17:27 GMT
        if (LocalhostFromLocalhost().IsMatch(text) || FromLocalhost().IsMatch(text) || UserAtBracketedLocalhost().IsMatch(text)
            || CourierAuthOnly().IsMatch(text) || text.StartsWith("localhost (localhost [[UNIX: localhost]]) by ", StringComparison.Ordinal))
        {
            return Step.Skip;
        }

        // Internal Amazon traffic
        // Received: from dc-mail-3102.iad3.amazon.com by mail-store-2001.amazon.com with ESMTP (peer crosscheck: dc-mail-3102.iad3.amazon.com)
        // Received: from GWGC6-MTA by gc6.jefferson.co.us with Novell_GroupWise; Tue, 30 Nov 2004 10:09:15 -0700
        if (AmazonInternal().IsMatch(text) || GroupWise().IsMatch(text))
        {
            return Step.Skip;
        }

        // Received: from no.name.available by [165.224.43.143] via smtpd (for [165.224.216.89]) with ESMTP; Fri, 28 Jan 2005 13:06:39 -0500
        // Received: from no.name.available by [165.224.216.88] via smtpd (for lists.sourceforge.net [66.35.250.206]) with ESMTP; Fri, 28 Jan 2005 15:42:30 -0500
        // From an internal host behind a Raptor firewall to hosts outside it: not enough in those headers, and all
        // samples found are handovers safe to ignore.
        if (RaptorFirewall().IsMatch(text))
        {
            return Step.Skip;
        }

        // from 156.56.111.196 by blazing.arsecandle.org (envelope-from <gentoo-announce-return-530-rod=arsecandle.org@lists.gentoo.org>, uid 502) with qmail-scanner-1.24 (clamdscan: 0.80/594. f-prot: 4.4.2/3.14.11. Clear:RC:0(156.56.111.196):. Processed in 0.288806 secs); 06 Feb 2005 21:11:38 -0000
        // Safe to ignore: the previous handover line has its details, qmail-scanner just logs a little more.
        if (QmailScanner().IsMatch(text))
        {
            state.QmailScannerEnvelopeFrom = f.EnvelopeFrom is null ? null : CleanEnvelopeFrom(f.EnvelopeFrom);
            return Step.Skip;
        }

        // Received: from mmail by argon.connect.org.uk with local (connectmail/exim)
        // id 18tOsg-0008FX-00; Thu, 13 Mar 2003 09:20:06 +0000
        // Local unix socket handover from Cyrus, tested with v2.3.14; "from" is left out there:
        // Received: from testintranator.net.vm ([unix socket])_ by testintranator.net.vm (Cyrus v2.3.14) with LMTPA;_ Tue, 21 Jul 2009 14:34:14 +0200
        if (ByWithLocal().IsMatch(text) || CyrusSocket().IsMatch(text))
        {
            return Step.Skip;
        }

        // HANDOVERS WE KNOW WE CAN'T DEAL WITH: TCP transmission, but to MTAs that log too little (no IP address).
        // Skipping rather than failing only where the pattern cannot match a real handover, or ALL_TRUSTED fires in the
        // presence of an unparseable Received header.
        //
        // Received: from CATHY.IJS.SI by CATHY.IJS.SI (PMDF V4.3-10 #8779) id <01KTSSR50NSW001MXN@CATHY.IJS.SI>; Fri, 21 Mar 2003 20:50:56 +0100
        // Received: from MATT_LINUX by hippo.star.co.uk via smtpd (for mail.webnote.net [193.120.211.219]) with SMTP; 3 Jul 2002 15:43:50 UT
        // Received: from cp-its-ieg01.mail.saic.com by cpmx.mail.saic.com for me@jmason.org; Tue, 23 Jul 2002 14:09:10 -0700
        // from senmail2.senate.gov with LMTP by senmail2 (3.0.2/sieved-3-0-build-942) for <example@vandinter.org>; Fri, 30 Jun 2006 10:58:41 -0400
        // from zimbramail.artsit.org.uk (unverified) by MAILSWEEP.birminghamartsit.org.uk (Clearswift SMTPRS 5.1.7) with ESMTP id <T78926b35f2c0a80003da8@MAILSWEEP.birminghamartsit.org.uk> for <discuss@lists.surbl.org>; Tue, 30 May 2006 15:56:15 +0100
        // from MjA3NDc4Mg (unknown) by ismtpd0001p1lon1.sendgrid.net (SG) with HTTP id aqHKNX2kSp-HiqspAa-uvw for <email@e.example.com>; Thu, 02 Apr 2020 07:53:55.516 +0000 (UTC)
        // from localhost (example.com [local]) by example.com (OpenSMTPD) with ESMTPA id 5db34e0d for <email@example.com>; Tue, 7 Apr 2020 01:38:29 -0600 (MDT)
        // from DL1GSPMX02 (dl1gspmx02.gamestop.com) by email.ebgames.com (LSMTP for Windows NT v1.1b) with SMTP id <21.000575A0@email.ebgames.com>; Tue, 12 Sep 2006 21:06:43 -0500
        // from ([127.0.0.1]) with MailEnable ESMTP; Wed, 10 Jul 2019 10:29:59 +0300
        if (ByWithoutIp().IsMatch(text) || ProtocolBeforeBy().IsMatch(text) || SendGrid().IsMatch(text) || OpenSmtpd().IsMatch(text)
            || text.Contains("(LSMTP for", StringComparison.Ordinal) || MailEnable().IsMatch(text))
        {
            return Step.Skip;
        }

        // from facebook.com (RrlQsUbrndsQ6/zbJaSzSPcmy3GwqE5h6IukkE5GGBIJgonAFnoQE3L+9tv2TU3e 2401:db00:1110:50e8:face:0000:002f:0000)
        //  by facebook.com with Thrift id 423753524b5011e9a83e248a0796a3b2-169bd530; Wed, 20 Mar 2019 13:39:29 -0700
        // from 384836569573 named unknown by gmailapi.google.com with HTTPREST; Wed, 6 Mar 2019 03:39:24 -0500
        // from mail.payex.com id <B5b8f11e30004>; Wed, 05 Sep 2018 01:14:43 +0200
        // from [<4124973-137966-3089@be2.maropost.com>] ([<4124973-137966-3089@be2.maropost.com>] helo=maropost.com)  by 643852-mailer2 (envelope-from 4124973-137966-3089@be2.maropost.com)
        //  (Jetsend MTA 0.0.1 with ESMTP; Fri Sep 14 14:36:56 EDT 2018
        return FacebookThrift().IsMatch(text) || GmailApi().IsMatch(text) || OnlyId().IsMatch(text) || Jetsend().IsMatch(text)
            ? Step.Skip
            : Step.Continue;
    }

    private static Step ParseSimta(Fields f)
    {
        // simta: http://rsug.itd.umich.edu/software/simta/ (note the uppercase FROM, BY and ID)
        // Received: FROM hackers.mr.itd.umich.edu (smtp.mail.umich.edu [141.211.14.81])
        //  BY madman.mr.itd.umich.edu ID 434B508E.174A6.13932 ; 11 Oct 2005 01:41:34 -0400
        // Received: FROM [192.168.1.24] (s233-64-90-216.try.wideopenwest.com [64.233.216.90])
        //  BY hackers.mr.itd.umich.edu ID 434B5051.8CDE5.15436 ; 11 Oct 2005 01:40:33 -0400
        // Received: FROM helo (1.2.3.4 [1.2.3.4]) BY xxx.com (Rockliffe SMTPRA 10.3.0)
        //  WITH SMTP ID <B0065361981@xxx.com> FOR <foo@bar.net>; Tue, 6 Nov 2018 07:41:26 +0200
        if (Simta().Match(f.Text) is { Success: true } m)
        {
            f.MtaLookedUpDns = true;
            (f.Helo, f.Rdns, f.Ip, f.By, f.Id) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value, m.Groups[4].Value, m.Groups[5].Value);
            if (f.Rdns == "unverified")
            {
                f.Rdns = "";
            }

            return Step.Enough;
        }

        return Step.Continue;
    }

    private static Step ParseParenthesizedFrom(Fields f)
    {
        // Norton AntiVirus Gateway
        // Received: (from localhost [24.180.47.240])
        //  by host.name (NAVGW 2.5.2.12) with SMTP id M2006060503484615455
        //  for <user@domain.co.uk>; Mon, 05 Jun 2006 03:48:47 +0100
        if (NortonGateway().Match(f.Text) is { Success: true } m)
        {
            (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        // The command line /usr/bin/sendmail -t -f username@example.com:
        // Received: (from username@localhost) by home.example.com
        // (8.12.11/8.12.11/Submit) id iBADHRP6011034; Fri, 10 Dec 2004 13:17:27 GMT
        // Received: (from vashugins@juno.com)  by m06.lax.untd.com (jqueuemail) id LRVB3JAJ; Fri, 02 Jun 2006 08:15:21 PDT
        return SendmailCommandLine().IsMatch(f.Text) || Jqueuemail().IsMatch(f.Text) ? Step.Skip : Step.Continue;
    }

    // Perl's truth: "" and "0" are false.
    private static bool IsTrue(string? value) => !string.IsNullOrEmpty(value) && value != "0";

    private static string TrimIdentAt(string ident) => ident.EndsWith('@') ? ident[..^1] : ident;

    private static string Strip(string value) => Unstorable().Replace(value, "!");

    private static string CleanEnvelopeFrom(string value) =>
        Strip(EnvelopeTail().Replace(EnvelopeHead().Replace(value, ""), ""));
}
