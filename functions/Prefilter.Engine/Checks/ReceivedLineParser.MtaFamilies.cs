using System.Text.RegularExpressions;

namespace Prefilter.Engine.Checks;

// Webmail and the formats told apart by a word their MTA writes, tried first on a "from" line.
internal static partial class ReceivedLineParser
{
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
            return MicrosoftSmtpServerFormat(f);
        }

        if (text.Contains("[XMail ", StringComparison.Ordinal))
        {
            return XMailFormat(f);
        }

        if (Ecelerity().IsMatch(text))
        {
            return EcelerityFormat(f);
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
            return ScalixFormat(f);
        }

        return text.Contains(" (Lotus Domino ", StringComparison.Ordinal) ? LotusDominoFormat(f) : Step.Continue;
    }

    private static Step MicrosoftSmtpServerFormat(Fields f)
    {
        var text = f.Text;

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

    private static Step XMailFormat(Fields f)
    {
        var text = f.Text;

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

    private static Step EcelerityFormat(Fields f)
    {
        var text = f.Text;

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

    private static Step ScalixFormat(Fields f)
    {
        var text = f.Text;

        // from DPLAPTOP ( 72.242.176.162) by mail.puryear-it.com (Scalix SMTP Relay 10.0.1.3) via ESMTP; Fri, 23 Jun 2006 16:39:47 -0500 (CDT)
        if (Scalix().Match(text) is { Success: true } m)
        {
            (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
        }

        return Step.Continue;
    }

    private static Step LotusDominoFormat(Fields f)
    {
        var text = f.Text;

        // Domino never records the rDNS: bug 5926.
        if (LotusDomino().Match(text) is { Success: true } m)
        {
            f.MtaLookedUpDns = false;
            (f.Helo, f.Ip, f.By) = (m.Groups[1].Value, m.Groups[2].Value, m.Groups[3].Value);
            return Step.Enough;
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

        return EximOddFormat(f);
    }

    // Other odd Exim formats: just little bits of the header.
    private static Step EximOddFormat(Fields f)
    {
        var text = f.Text;

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
}
