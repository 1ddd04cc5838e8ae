namespace Prefilter.Engine.Checks;

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
        var text = Collapsed(line);
        if (Skipped(text))
        {
            return Step.Skip;
        }

        text = WithoutDate(text);
        f.Text = text;
        ReadDefaults(f, text);

        var step = ParseByOpening(f, text, state);
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

    // Runs of whitespace as single spaces, trimmed, without trailing semicolons.
    private static string Collapsed(string line)
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

        return text;
    }

    private static string WithoutDate(string text)
    {
        // The date at the end: "; Tue, 23 May 2006 13:06:35 -0400".
        text = TrailingDate().Replace(text, "", 1);

        // from av0001.technodiva.com (localhost [127.0.0.1])by  localhost.technodiva.com (Postfix) with ESMTP id 846CF2117for  <proftp-user@lists.sourceforge.net>; Mon,  7 Aug 2006 17:48:07 +0200 (MEST)
        var missingSpace = text.IndexOf(")by ", StringComparison.Ordinal);
        if (missingSpace >= 0)
        {
            text = string.Concat(text.AsSpan(0, missingSpace + 1), " ", text.AsSpan(missingSpace + 1));
        }

        return text;
    }

    // Some MTAs swap the rDNS and the HELO, so the fields are read per format later; these are the defaults.
    private static void ReadDefaults(Fields f, string text)
    {
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
    }

    // The formats by how the line opens; each reads the line after its opening word.
    private static Step ParseByOpening(Fields f, string text, ReceivedParseState state)
    {
        if (text.StartsWith("from ", StringComparison.Ordinal))
        {
            f.Text = text["from ".Length..];
            return ParseFrom(f, state);
        }

        if (text.StartsWith("FROM ", StringComparison.Ordinal))
        {
            f.Text = text["FROM ".Length..];
            return ParseSimta(f);
        }

        if (text.StartsWith("(from ", StringComparison.Ordinal))
        {
            f.Text = text["(from ".Length..];
            return ParseParenthesizedFrom(f);
        }

        return Step.Continue;
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
