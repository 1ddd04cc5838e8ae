using System.Text.RegularExpressions;

namespace Prefilter.Engine.Checks;

// The common formats after the MTA families: sendmail and its like, then qmail and the formats that are only an address.
internal static partial class ReceivedLineParser
{
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

        return NonStandardFormats(f);
    }

    // After sendmail's format the formats get a bit non-standard.
    private static Step NonStandardFormats(Fields f)
    {
        var text = f.Text;

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

        return HotmailQpsmtpdAndSmtpdFormats(f);
    }

    // Hotmail's HTTP line, qpsmtpd and its like, and smtpd behind a firewall.
    private static Step HotmailQpsmtpdAndSmtpdFormats(Fields f)
    {
        var text = f.Text;

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

        return AddressOnlyFormats(f);
    }

    // Formats that give the address and the receiving host, and no more.
    private static Step AddressOnlyFormats(Fields f)
    {
        var text = f.Text;

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

        return HeloAndAddressFormats(f);
    }

    // MDaemon's and sendmail's variants, which give the HELO with the address.
    private static Step HeloAndAddressFormats(Fields f)
    {
        var text = f.Text;

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
}
