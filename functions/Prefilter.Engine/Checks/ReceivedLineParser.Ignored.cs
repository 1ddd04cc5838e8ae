namespace Prefilter.Engine.Checks;

internal static partial class ReceivedLineParser
{
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

        return HandoversLoggedTooLittle(f);
    }

    // Handovers to MTAs that log too little to use.
    private static Step HandoversLoggedTooLittle(Fields f)
    {
        var text = f.Text;

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
}
