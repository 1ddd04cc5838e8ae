using System.Text.RegularExpressions;

namespace Prefilter.Engine.Checks;

// The less common formats, tried after the common ones.
internal static partial class ReceivedLineParser
{
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

        return ProductNamedFormats(f);
    }

    // Formats named by the product that writes them, most of them.
    private static Step ProductNamedFormats(Fields f)
    {
        var text = f.Text;
        Match m;

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

        return BareAddressFormats(f);
    }

    // Formats that name little but the address and the receiving host.
    private static Step BareAddressFormats(Fields f)
    {
        var text = f.Text;
        Match m;

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

        return SmtpdAndScannerFormats(f);
    }

    // attbi's rDNS form, F-Secure's and SMTPD32's lines, csmap and MailGate.
    private static Step SmtpdAndScannerFormats(Fields f)
    {
        var text = f.Text;
        Match m;

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

        return LastFormats(f);
    }

    // The last formats SpamAssassin knows, before the lines it ignores.
    private static Step LastFormats(Fields f)
    {
        var text = f.Text;
        Match m;

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
}
