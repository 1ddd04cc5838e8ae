using System.Globalization;
using System.Text;
using Prefilter.Engine.Checks;
using Prefilter.Engine.Tests.Scanning;
using Prefilter.Engine.Tests.SpamAssassin;

namespace Prefilter.Engine.Tests.Checks;

/// <summary>
/// <see cref="ReceivedLineParser"/> against the formats SpamAssassin's own comments give, and against SpamAssassin's
/// <c>parse_received_line</c> itself on every Received header of the public corpus sample.
/// </summary>
public sealed partial class ReceivedLineParserTests(SpamAssassinCorpusFixture corpus, ReceivedLineParserTests.Oracle oracle)
    : IClassFixture<SpamAssassinCorpusFixture>, IClassFixture<ReceivedLineParserTests.Oracle>
{
    /// <summary>
    /// Lines from the comments of SpamAssassin's Received.pm and a few of today's forms (Postfix and sendmail with TLS,
    /// IPv6, authentication), each with what SpamAssassin 4.0.1 makes of it: its as_string (intl=0 msa=0), or the kind
    /// when there is no relay.
    /// </summary>
    public static TheoryData<string, string> Examples => new()
    {
        {
            "from mail1.insuranceiq.com (host66.insuranceiq.com [65.217.159.66] (may be forged)) by dogma.slashnull.org (8.11.6/8.11.6) with ESMTP id h2F0c2x31856 for <jm@jmason.org>; Sat, 15 Mar 2003 00:38:03 GMT",
            "[ ip=65.217.159.66 rdns=host66.insuranceiq.com helo=mail1.insuranceiq.com by=dogma.slashnull.org ident= envfrom= intl=0 id=h2F0c2x31856 auth= msa=0 ]"
        },
        {
            "from ran-out.mx.develooper.com (IDENT:qmailr@one.develooper.com [64.81.84.115]) by dogma.slashnull.org (8.11.6/8.11.6) with SMTP id h381Vvf19860 for <jm-cpan@jmason.org>; Tue, 8 Apr 2003 02:31:57 +0100",
            "[ ip=64.81.84.115 rdns=one.develooper.com helo=ran-out.mx.develooper.com by=dogma.slashnull.org ident=qmailr envfrom= intl=0 id=h381Vvf19860 auth= msa=0 ]"
        },
        {
            "from localhost (unknown [127.0.0.1]) by cabbage.jmason.org (Postfix) with ESMTP id A96E18BD97 for <jm@localhost>; Thu, 13 Mar 2003 15:23:15 -0500 (EST)",
            "[ ip=127.0.0.1 rdns= helo=localhost by=cabbage.jmason.org ident= envfrom= intl=0 id=A96E18BD97 auth= msa=0 ]"
        },
        {
            "from 207.8.214.3 (unknown[211.94.164.65]) by puzzle.pobox.com (Postfix) with SMTP id 9029AFB732; Sat,  8 Nov 2003 17:57:46 -0500 (EST)",
            "[ ip=211.94.164.65 rdns= helo=207.8.214.3 by=puzzle.pobox.com ident= envfrom= intl=0 id=9029AFB732 auth= msa=0 ]"
        },
        {
            "from postfix3-2.free.fr (HELO machine.domain.com) (foobar@213.228.0.169) by totor.bouissou.net with SMTP; 14 Nov 2003 08:05:50 -0000",
            "[ ip=213.228.0.169 rdns=postfix3-2.free.fr helo=machine.domain.com by=totor.bouissou.net ident=foobar envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from unknown (HELO terpsichore.farfalle.com) (jdavid@[216.254.40.70]) (envelope-sender <jdavid@farfalle.com>) by mail13.speakeasy.net (qmail-ldap-1.03) with SMTP for <jm@jmason.org>; 12 Feb 2003 18:23:19 -0000",
            "[ ip=216.254.40.70 rdns= helo=terpsichore.farfalle.com by=mail13.speakeasy.net ident=jdavid envfrom=jdavid@farfalle.com intl=0 id= auth= msa=0 ]"
        },
        {
            "from sc8-sf-list1-b.sourceforge.net ([10.3.1.13] helo=sc8-sf-list1.sourceforge.net) by sc8-sf-list2.sourceforge.net with esmtp (Exim 3.31-VA-mm2 #1 (Debian)) id 18t301-0007Bh-00; Wed, 12 Mar 2003 01:58:13 -0800",
            "[ ip=10.3.1.13 rdns=sc8-sf-list1-b.sourceforge.net helo=sc8-sf-list1.sourceforge.net by=sc8-sf-list2.sourceforge.net ident= envfrom= intl=0 id=18t301-0007Bh-00 auth= msa=0 ]"
        },
        {
            "from [218.19.142.229] (helo=hotmail.com ident=yiuhyotp) by yzordderrex with smtp (Exim 3.35 #1 (Debian)) id 194BE5-0005Zh-00; Sat, 12 Apr 2003 03:58:53 +0100",
            "[ ip=218.19.142.229 rdns= helo=hotmail.com by=yzordderrex ident=yiuhyotp envfrom= intl=0 id=194BE5-0005Zh-00 auth= msa=0 ]"
        },
        {
            "from server040.webpack.hosteurope.de ([80.237.130.48]:52313) by vps832469583.serverpool.info with esmtps (TLS-1.0:DHE_RSA_3DES_EDE_CBC_SHA:24) (Exim 4.50) id 1GzVLs-0002Oz-7b; Wed, 13 Dec 2006 10:00:00 +0100",
            "[ ip=80.237.130.48 rdns=server040.webpack.hosteurope.de helo=server040.webpack.hosteurope.de by=vps832469583.serverpool.info ident= envfrom= intl=0 id=1GzVLs-0002Oz-7b auth= msa=0 ]"
        },
        {
            "from andrew by trinity.supernews.net with local (Exim 4.12) id 18xeL6-000Dn1-00; Tue, 25 Mar 2003 02:39:00 +0000",
            "Skipped"
        },
        {
            "from inet-vrs-05.redmond.corp.microsoft.com ([157.54.6.157]) by INET-IMC-05.redmond.corp.microsoft.com with Microsoft SMTPSVC(5.0.2195.6624); Thu, 6 Mar 2003 12:02:35 -0800",
            "[ ip=157.54.6.157 rdns= helo=inet-vrs-05.redmond.corp.microsoft.com by=INET-IMC-05.redmond.corp.microsoft.com ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from mail pickup service by mail1.insuranceiq.com with Microsoft SMTPSVC; Thu, 13 Feb 2003 19:05:39 -0500",
            "Skipped"
        },
        {
            "from EXC-DAG-02.global.net (10.45.252.152) by EXC-DAG-02.global.net (10.45.252.152) with Microsoft SMTP Server (version=TLS1_2, cipher=TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256) id 15.1.1261.35; Mon, 29 Oct 2018 11:17:19 +0100",
            "[ ip=10.45.252.152 rdns=EXC-DAG-02.global.net helo=EXC-DAG-02.global.net by=EXC-DAG-02.global.net ident= envfrom= intl=0 id=15.1.1261.35 auth= msa=0 ]"
        },
        {
            "from AM5PR0402MB2836.eurprd04.prod.outlook.com ([fe80::19bd:c588:dd17:5226]) by AM5PR0402MB2836.eurprd04.prod.outlook.com ([fe80::19bd:c588:dd17:5226%6]) with mapi id 15.20.1943.023; Wed, 5 Jun 2019 10:17:08 +0000",
            "[ ip=fe80::19bd:c588:dd17:5226 rdns= helo=AM5PR0402MB2836.eurprd04.prod.outlook.com by=AM5PR0402MB2836.eurprd04.prod.outlook.com ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from ns.elcanto.co.kr (66.161.246.58 [66.161.246.58]) by mail.ssccbelen.edu.pe with SMTP (Microsoft Exchange Internet Mail Service Version 5.5.1960.3) id G69TW478; Thu, 13 Mar 2003 14:01:10 -0500",
            "[ ip=66.161.246.58 rdns=66.161.246.58 helo=ns.elcanto.co.kr by=mail.ssccbelen.edu.pe ident= envfrom= intl=0 id=G69TW478 auth= msa=0 ]"
        },
        {
            "from bushinternet.com (softdnserr [::ffff:61.99.99.67]) by mail.cs.helsinki.fi with esmtp; Fri, 22 Aug 2003 12:25:41 +0300",
            "[ ip=61.99.99.67 rdns= helo=bushinternet.com by=mail.cs.helsinki.fi ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from Agni (localhost [::ffff:127.0.0.1]) (TLS: TLSv1/SSLv3, 168bits,DES-CBC3-SHA) by agni.forevermore.net with esmtp; Mon, 28 Oct 2002 14:48:52 -0800",
            "[ ip=127.0.0.1 rdns=localhost helo=Agni by=agni.forevermore.net ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from (AUTH: e40a9cea) by vqx.net with esmtp (courier-0.40) for <asrg@ietf.org>; Mon, 03 Mar 2003 14:49:28 +0000",
            "Skipped"
        },
        {
            "from 213.123.174.21 by lw11fd.law11.hotmail.msn.com with HTTP; Wed, 24 Jul 2002 16:36:44 GMT",
            "[ ip=213.123.174.21 rdns= helo= by=lw11fd.law11.hotmail.msn.com ident= envfrom= intl=0 id= auth=HTTP msa=0 ]"
        },
        {
            "from [193.220.176.134] by web40310.mail.yahoo.com via HTTP; Wed, 12 Feb 2003 14:22:21 PST",
            "[ ip=193.220.176.134 rdns= helo= by=web40310.mail.yahoo.com ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from customer254-217.iplannetworks.net (HELO AGAMENON) (baldusi@200.69.254.217 with plain) by smtp.mail.vip.sc5.yahoo.com with SMTP; 11 Mar 2003 21:03:28 -0000",
            "[ ip=200.69.254.217 rdns=customer254-217.iplannetworks.net helo=AGAMENON by=smtp.mail.vip.sc5.yahoo.com ident=baldusi envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from itrqtnlnq (lucilleskinner@93.124.107.183 with login) by smtp111.mail.ne1.yahoo.com with SMTP; 17 Jan 2011 08:23:27 -0800 PST",
            "[ ip=93.124.107.183 rdns= helo=itrqtnlnq by=smtp111.mail.ne1.yahoo.com ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from mail-wr1-f54.google.com (mail-wr1-f54.google.com [209.85.221.54]) by mx.example.org (Postfix) with ESMTPS id 4B2F1C0A1 for <u@example.org>; Tue, 2 Feb 2021 10:00:00 +0000 (UTC)",
            "[ ip=209.85.221.54 rdns=mail-wr1-f54.google.com helo=mail-wr1-f54.google.com by=mx.example.org ident= envfrom= intl=0 id=4B2F1C0A1 auth= msa=0 ]"
        },
        {
            "from [192.168.1.20] (p5b0c1a2e.dip0.t-ipconnect.de [91.12.26.46]) (authenticated bits=0) by mail.example.net (8.15.2/8.15.2) with ESMTPSA id 0123456789; Tue, 2 Feb 2021 10:00:00 +0100",
            "[ ip=91.12.26.46 rdns=p5b0c1a2e.dip0.t-ipconnect.de helo=!192.168.1.20! by=mail.example.net ident= envfrom= intl=0 id=0123456789 auth=ESMTPSA msa=0 ]"
        },
        {
            "from roissy (p573.as1.exs.dublin.eircom.net [159.134.226.61]) (authenticated bits=0) by slate.dublin.wbtsystems.com (8.12.6/8.12.6) with ESMTP id g9MFWcvb068860 for <jm@jmason.org>; Tue, 22 Oct 2002 16:32:39 +0100 (IST)",
            "[ ip=159.134.226.61 rdns=p573.as1.exs.dublin.eircom.net helo=roissy by=slate.dublin.wbtsystems.com ident= envfrom= intl=0 id=g9MFWcvb068860 auth=Sendmail msa=0 ]"
        },
        {
            "from mail.example.com (mail.example.com [IPv6:2001:db8::25]) by mx.example.net (Postfix) with ESMTPS id 4F2A; Tue, 2 Feb 2021 10:00:00 +0000",
            "[ ip=2001:db8::25 rdns=mail.example.com helo=mail.example.com by=mx.example.net ident= envfrom= intl=0 id=4F2A auth= msa=0 ]"
        },
        {
            "from host.example.com (host.example.com [2001:db8::25]) (Authenticated sender: alice) by mx.example.net (Postfix) with ESMTPSA id 4F2A; Tue, 2 Feb 2021 10:00:00 +0000",
            "[ ip=2001:db8::25 rdns=host.example.com helo=host.example.com by=mx.example.net ident= envfrom= intl=0 id=4F2A auth=ESMTPSA msa=0 ]"
        },
        {
            "from cabbage.jmason.org [127.0.0.1] by localhost with IMAP (fetchmail-5.9.0) for jm@localhost (single-drop); Thu, 13 Mar 2003 20:39:56 -0800 (PST)",
            "Skipped"
        },
        {
            "from 156.56.111.196 by blazing.arsecandle.org (envelope-from <gentoo-announce-return-530-rod=arsecandle.org@lists.gentoo.org>, uid 502) with qmail-scanner-1.24 (clamdscan: 0.80/594. Clear:RC:0(156.56.111.196):. Processed in 0.288806 secs); 06 Feb 2005 21:11:38 -0000",
            "Skipped"
        },
        {
            "from unknown (HELO feux01a-isp) (213.199.4.210) by totor.bouissou.net with SMTP; 1 Nov 2003 07:05:19 -0000",
            "[ ip=213.199.4.210 rdns= helo=feux01a-isp by=totor.bouissou.net ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "(qmail 27981 invoked by uid 225); 14 Mar 2003 07:24:34 -0000",
            "Skipped"
        },
        {
            "by oak.ein.cz (Postfix, from userid 1002) id DABBD1BED3; Thu, 13 Feb 2003 14:02:21 +0100 (CET)",
            "Skipped"
        },
        {
            "from virtual-access.org by bolero.conactive.com ; Thu, 20 Feb 2003 23:32:58 +0100",
            "Skipped"
        },
        {
            "from localhost (mailnull@localhost) by x.org (8.12.6/8.9.3) with SMTP id h2R2iivG093740; Wed, 26 Mar 2003 20:44:44 -0600 (CST) (envelope-from x@x.org)",
            "Skipped"
        },
        {
            "from mx.example.com (mx.example.com) by relay.example.net; Tue, 2 Feb 2021 10:00:00 +0000",
            "Unparseable"
        },
        {
            "from somewhere with no address at all",
            "Unparseable"
        },
        {
            "FROM hackers.mr.itd.umich.edu (smtp.mail.umich.edu [141.211.14.81]) BY madman.mr.itd.umich.edu ID 434B508E.174A6.13932 ; 11 Oct 2005 01:41:34 -0400",
            "[ ip=141.211.14.81 rdns=smtp.mail.umich.edu helo=hackers.mr.itd.umich.edu by=madman.mr.itd.umich.edu ident= envfrom= intl=0 id=434B508E.174A6.13932 auth= msa=0 ]"
        },
        {
            "(from localhost [24.180.47.240]) by host.name (NAVGW 2.5.2.12) with SMTP id M2006060503484615455 for <user@domain.co.uk>; Mon, 05 Jun 2006 03:48:47 +0100",
            "[ ip=24.180.47.240 rdns= helo=localhost by=host.name ident= envfrom= intl=0 id=M2006060503484615455 auth= msa=0 ]"
        },
        {
            "from list.brainbuzz.com (63.146.189.86:23198) by mx1.yourtech.net with [XMail 1.20 ESMTP Server] id <S72E> for <jason@ellingson.org.spamassassin.org> from <bounce-cscommunity-11965901@list.cramsession.com.spamassassin.org>; Sat, 18 Sep 2004 23:17:54 -0500",
            "[ ip=63.146.189.86 rdns= helo=list.brainbuzz.com by=mx1.yourtech.net ident= envfrom=bounce-cscommunity-11965901@list.cramsession.com.spamassassin.org intl=0 id=S72E auth= msa=0 ]"
        },
        {
            "from ([192.168.1.151:49601] helo=dev1.democracyinaction.org) by m12.prod.democracyinaction.com (ecelerity 2.1.1.3 r(11743)) with ESMTP id 52/92-02454-89FBA054 for <example@vandinter.org>; Fri, 15 Sep 2006 10:58:32 -0400",
            "[ ip=192.168.1.151 rdns= helo=dev1.democracyinaction.org by=m12.prod.democracyinaction.com ident= envfrom= intl=0 id=52/92-02454-89FBA054 auth= msa=0 ]"
        },
        {
            "from x71-x56-x24-5.webspeed.dk (HELO niels) (69.96.3.15) by la.mx.develooper.com (qpsmtpd/0.27-dev) with SMTP; Fri, 02 Jan 2004 19:26:52 -0800",
            "[ ip=69.96.3.15 rdns=x71-x56-x24-5.webspeed.dk helo=niels by=la.mx.develooper.com ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from 142.169.110.122 (SquirrelMail authenticated user synapse) by mail.nomis80.org with HTTP; Sat, 3 Apr 2004 10:33:43 -0500 (EST)",
            "[ ip=142.169.110.122 rdns= helo= by=mail.nomis80.org ident= envfrom= intl=0 id= auth=HTTP msa=0 ]"
        },
        {
            "from 82.135.198.129 by FWM-M18.sysops.aol.com (64.12.168.82) with HTTP (WebMailUI); Tue, 19 Jun 2007 11:16:54 -0400",
            "[ ip=82.135.198.129 rdns= helo= by=FWM-M18.sysops.aol.com ident= envfrom= intl=0 id= auth=HTTP msa=0 ]"
        },
        {
            "from [192.168.0.71] by web01-nyc.clicvu.com (Post.Office MTA v3.5.3 release 223 ID# 0-64039U1000L100S0V35) with SMTP id com for <x@x.org>; Tue, 25 Mar 2003 11:42:04 -0500",
            "[ ip=192.168.0.71 rdns= helo= by=web01-nyc.clicvu.com ident= envfrom= intl=0 id=com auth= msa=0 ]"
        },
        {
            "from pl027.nas934.d-osaka.nttpc.ne.jp(61.197.82.27), claiming to be \"foo.woas.net\" via SMTP by st.tahina.priv.at, id smtpd1PBsZT; Sun Nov 13 15:38:52 2005",
            "[ ip=61.197.82.27 rdns=pl027.nas934.d-osaka.nttpc.ne.jp helo=foo.woas.net by=st.tahina.priv.at ident= envfrom= intl=0 id=smtpd1PBsZT auth= msa=0 ]"
        },
        {
            "from dslb-082-083-045-064.pools.arcor-ip.net (EHLO homepc) [82.83.45.64] by mail.gmx.net (mp010) with SMTP; 03 Feb 2007 13:13:47 +0100",
            "[ ip=82.83.45.64 rdns=dslb-082-083-045-064.pools.arcor-ip.net helo=homepc by=mail.gmx.net ident= envfrom= intl=0 id= auth=GMX (SMTP / mail.gmx.net) msa=0 ]"
        },
        {
            "from helene8.i.pinwand.net (helene.cats.ms) [10.0.8.6.13219] (mail) by lisbeth.i.pinwand.net with esmtp (Exim 3.35 #1 (Debian)) id 1CO5y7-0001vC-00; Sun, 31 Oct 2004 04:01:23 +0100",
            "[ ip=10.0.8.6 rdns=helene8.i.pinwand.net helo=helene.cats.ms by=lisbeth.i.pinwand.net ident= envfrom= intl=0 id=1CO5y7-0001vC-00 auth= msa=0 ]"
        },
        {
            "from mail.rev.net (natpool62.rev.net. [63.148.93.62]) by mail.example.org (8.11.4/8.11.4) with ESMTP id h0KKa7d32306",
            "[ ip=63.148.93.62 rdns=natpool62.rev.net helo=mail.rev.net by=mail.example.org ident= envfrom= intl=0 id=h0KKa7d32306 auth= msa=0 ]"
        },
        {
            "from smtp.example.com (smtp.example.com [100.64.1.2]) by mx.example.net (8.14.4/8.14.4) with ESMTP id x1; Tue, 2 Feb 2021 10:00:00 +0000",
            "[ ip=100.64.1.2 rdns=smtp.example.com helo=smtp.example.com by=mx.example.net ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
        {
            "from facebook.com (RrlQsUbrndsQ6/zbJaSzSPcmy3GwqE5h6IukkE5GGBIJgonAFnoQE3L+9tv2TU3e 2401:db00:1110:50e8:face:0000:002f:0000) by facebook.com with Thrift id 423753524b5011e9a83e248a0796a3b2-169bd530; Wed, 20 Mar 2019 13:39:29 -0700",
            "Skipped"
        },
        {
            "from 4wtgRl (kgbxn@[211.244.147.115]) by dogma.slashnull.org (8.11.6/8.11.6) with SMTP id h8BBsUJ18848; Thu, 11 Sep 2003 12:54:31 +0100",
            "[ ip=211.244.147.115 rdns= helo=4wtgRl by=dogma.slashnull.org ident=kgbxn envfrom= intl=0 id=h8BBsUJ18848 auth= msa=0 ]"
        },
        {
            "from mail.example.com ([10.1.2.3]) by mx.google.com with ESMTPS id a1sm12345678abc.1.2021.02.02.10.00.00 (version=TLS1_2 cipher=ECDHE-RSA-AES128-GCM-SHA256 bits=128/128); Tue, 02 Feb 2021 10:00:00 -0800",
            "[ ip=10.1.2.3 rdns= helo=mail.example.com by=mx.google.com ident= envfrom= intl=0 id=a1sm12345678abc.1.2021.02.02.10.00.00 auth=GMail - transport=TLS1_2 cipher=ECDHE-RSA-AES128-GCM-SHA256 bits=128/128 msa=0 ]"
        },
        {
            "X-Originating-IP: 1.2.3.4",
            "Skipped"
        },
        {
            "from X-Originating-IP: 1.2.3.4",
            "[ ip=1.2.3.4 rdns= helo= by= ident= envfrom= intl=0 id= auth= msa=0 ]"
        },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Parses_lines_as_spamassassin_does(string line, string expected)
    {
        var (kind, relay) = ReceivedLineParser.Parse(line, new ReceivedParseState());

        Assert.Equal(expected, kind == ReceivedLineKind.Relay ? relay!.ToPseudoHeaderEntry(isInternal: false, isMsa: false) : kind.ToString());
    }

    [Theory]
    [InlineData("from x (x [10.1.2.3]) by mx.example.net (8.14.4/8.14.4) with ESMTP id a", true)]
    [InlineData("from x (x [172.31.0.1]) by mx.example.net (8.14.4/8.14.4) with ESMTP id a", true)]
    [InlineData("from x (x [100.127.0.1]) by mx.example.net (8.14.4/8.14.4) with ESMTP id a", true)]
    [InlineData("from x (x [IPv6:fe80::1]) by mx.example.net (8.14.4/8.14.4) with ESMTP id a", true)]
    [InlineData("from x (x [IPv6:::1]) by mx.example.net (8.14.4/8.14.4) with ESMTP id a", true)]
    [InlineData("from x (x [172.32.0.1]) by mx.example.net (8.14.4/8.14.4) with ESMTP id a", false)]
    [InlineData("from x (x [2001:db8::1]) by mx.example.net (8.14.4/8.14.4) with ESMTP id a", false)]
    public void Marks_private_addresses_as_ip_private_does(string line, bool isPrivate)
    {
        Assert.Equal(isPrivate, ReceivedLineParser.Parse(line, new ReceivedParseState()).Relay!.IpIsPrivate);
    }

    [Fact]
    public void Knows_no_reverse_dns_only_from_mtas_that_look_it_up()
    {
        var postfix = ReceivedLineParser.Parse("from helo (unknown [203.0.113.7]) by mx.example.net (Postfix) with ESMTP id 4F2A", new ReceivedParseState()).Relay!;
        var smtpsvc = ReceivedLineParser.Parse("from helo ([203.0.113.7]) by mx.example.net with Microsoft SMTPSVC(6.0.3790.0)", new ReceivedParseState()).Relay!;

        Assert.True(postfix.NoReverseDns);
        Assert.False(smtpsvc.NoReverseDns);
    }

    [Fact]
    public void Gives_the_next_relay_the_envelope_sender_qmail_scanner_logged()
    {
        var state = new ReceivedParseState();
        var (scannerKind, _) = ReceivedLineParser.Parse(
            "from 156.56.111.196 by blazing.arsecandle.org (envelope-from <list@lists.gentoo.org>, uid 502) with qmail-scanner-1.24 (clamdscan: 0.80/594. Processed in 0.288806 secs); 06 Feb 2005 21:11:38 -0000",
            state);
        var (_, relay) = ReceivedLineParser.Parse("from unknown (HELO feux01a-isp) (213.199.4.210) by totor.bouissou.net with SMTP; 1 Nov 2003 07:05:19 -0000", state);
        var (_, after) = ReceivedLineParser.Parse("from unknown (HELO feux01a-isp) (213.199.4.210) by totor.bouissou.net with SMTP; 1 Nov 2003 07:05:19 -0000", state);

        Assert.Equal(ReceivedLineKind.Skipped, scannerKind);
        Assert.Equal("list@lists.gentoo.org", relay!.EnvelopeFrom);
        Assert.Null(after!.EnvelopeFrom);
    }

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, false)]
    public void Asks_for_a_restart_at_a_mail_fetcher_only_inside_the_trusted_part(bool allowed, bool restarts)
    {
        var state = new ReceivedParseState { AllowMailFetchMarkers = allowed };

        var (kind, _) = ReceivedLineParser.Parse("from cabbage.jmason.org [127.0.0.1] by localhost with IMAP (fetchmail-5.9.0) for jm@localhost (single-drop)", state);

        Assert.Equal(ReceivedLineKind.Skipped, kind);
        Assert.Equal(restarts, state.RestartRequested);
        ReceivedLineParser.Parse("from x (x [10.1.2.3]) by y (8.14.4/8.14.4) with ESMTP id a", state);
        Assert.False(state.RestartRequested);
    }

    // Headers built to make a backtracking pattern retry from every position: each parses as its short form does (a
    // pattern that backtracked catastrophically would not return within the test run; speed itself is not asserted).
    [Theory]
    [InlineData("from a (HELO b) (", "x@1.1.1.1@", " (a) (b)")]
    [InlineData("from a (b", "@@@@@@@@", " [127.0.0.1]) ")]
    [InlineData("from a (b ", "[1.2.3.4] ) by x (", "")]
    [InlineData("from ", "]) (AUTH: LOGIN x, ", "")]
    [InlineData("from ", "]) (authenticated) (x ", "")]
    [InlineData("from a (b ", "(c) ", " with SMTP id")]
    [InlineData("from a ([1.2.3.4]) by b ", "(c) ", " with x SMTP id ")]
    [InlineData("from ", "1.2.3.4 by ", "")]
    [InlineData("from x (", "a.a.a.a.[1.2.3.4", "]) by ")]
    [InlineData("from x (HELO y) (", "z@1.2.3.4 ", ") by q with ")]
    [InlineData("from ", "return-path: <a@b.c> ", "")]
    [InlineData("from ", "(SquirrelMail authenticated user x) 1.2.3.4 by ", "")]
    public void Parses_hostile_headers_as_their_short_forms(string head, string repeated, string tail)
    {
        string Line(int length) => head + string.Concat(Enumerable.Repeat(repeated, length / repeated.Length)) + tail;

        var (kind, _) = ReceivedLineParser.Parse(Line(256 * 1024), new ReceivedParseState());

        Assert.Equal(ReceivedLineParser.Parse(Line(1024), new ReceivedParseState()).Kind, kind);
    }

    [SpamAssassinCorpusFact]
    public void Parses_the_corpus_received_headers_as_spamassassin_does()
    {
        var lines = oracle.Lines(corpus);
        Assert.True(lines.Count > 1000, $"only {lines.Count} Received headers to compare");

        var differences = new List<string>();
        var state = new ReceivedParseState();
        var message = -1;
        foreach (var expected in lines)
        {
            if (expected.Message != message)
            {
                (message, state) = (expected.Message, new ReceivedParseState());
            }

            var (kind, relay) = ReceivedLineParser.Parse(expected.Line, state);
            var actual = Describe(kind, relay, state.RestartRequested);
            if (actual != expected.Result)
            {
                differences.Add($"{expected.Line}\n  SpamAssassin: {expected.Result}\n  ours:         {actual}");
            }
        }

        Assert.True(differences.Count == 0, $"{differences.Count} of {lines.Count} lines differ:\n{string.Join("\n", differences.Take(20))}");
    }

    [SpamAssassinCorpusFact]
    public void Parses_mutated_received_headers_as_spamassassin_does()
    {
        // The corpus is old mail from a few MTAs; its headers, with words dropped, swapped or inserted, brackets lost or
        // doubled and addresses in other forms, reach the formats and address forms it lacks, and the corners between them.
        var bases = oracle.Lines(corpus).Select(line => line.Line).Concat(Examples.Select(example => (string)example[0])).Distinct().ToList();
        var mutated = Mutate(bases, variants: 12, seed: 7);
        var expected = oracle.Parse(mutated);

        var differences = new List<string>();
        for (var i = 0; i < mutated.Count; i++)
        {
            var state = new ReceivedParseState();
            var (kind, relay) = ReceivedLineParser.Parse(mutated[i], state);
            var actual = Describe(kind, relay, state.RestartRequested) + "\t" + (state.QmailScannerEnvelopeFrom ?? "-");
            if (actual != expected[i])
            {
                differences.Add($"{mutated[i]}\n  SpamAssassin: {expected[i]}\n  ours:         {actual}");
            }
        }

        Assert.True(mutated.Count > 20_000, $"only {mutated.Count} mutated headers");
        Assert.True(differences.Count == 0, $"{differences.Count} of {mutated.Count} lines differ:\n{string.Join("\n", differences.Take(20))}");
    }

    // Address forms SpamAssassin's IP_ADDRESS, LOCALHOST and IP_PRIVATE tell apart, and near misses.
    private static readonly string[] Addresses =
    [
        "1.2.3.4", "IPv6:2001:db8::1", "ipv6:::ffff:10.0.0.1", "::ffff:10.0.0.1", "fe80::1%eth0", "127.0.0.1", "1.2.3.4.5",
        "1.2.3.45x", "::1", "2001:db8:0:0:0:0:0:1", "10.0.0.1:25", "a1.2.3.4", "0:0:0:0:0:ffff:192.168.1.1", "100.64.0.1",
        "1.2.3.4\u00c3\u00a9", "\u00c3\u00a91.2.3.4", "::", "1:2:3:4:5:6:7:8:9", "FE80::ABCD", "256.1.1.1", "1.2.3.4-", "x@1.2.3.4",
        "[1.2.3.4]", "(1.2.3.4)", "localhost", "LOCALHOST.localdomain", "::ffff:127.0.0.1", "0:0:0:0:0:0:0:1",
    ];

    // Words that select a format, so a mutated header lands in another one.
    private static readonly string[] Words =
    [
        "(helo=x)", "(HELO y)", "(EHLO )", "(LHLO z)", "(authenticated)", "(authenticated bits=0)", "with ESMTPA", "with ESMTPSA;",
        "id <abc>", "id", "\u00e9\u00e9", "\u00c2\u00a0", "ident=q", "envelope-from <a@b>", "return-path: <a@b>", "(Postfix)", "Exim",
        "with POP3", "with IMAP", "[1.2.3.4]", "(unknown [5.6.7.8])", "by", "SMTPSVC", "with SMTP", "with QMQP id x",
        "(envelope-sender <a@b>)", "(qmail-ldap-1.03)", "[XMail", "(ecelerity 2)", "with HTTP", "via HTTP", "(via HTTP)",
        "(AUTH: LOGIN x)", "(Authenticated sender: a)", "(account x)", "CommuniGate Pro SMTP", "with local", "with local-esmtp",
        "by uid 5", "with qmail-scanner-1.2", "(SquirrelMail authenticated user x)", "with Microsoft SMTP Server", "(Lotus Domino",
        "(Scalix SMTP Relay", "via smap", "via smtpd (for x)", "claiming to be \"x\"", "x@localhost)", "(qpsmtpd/0.1)", "with BSMTP",
        "(Content Technologies", "(LSMTP for", "Unknown/Local", "(MailGate", "(Post.Office", "(ArGoSoft", "(InterScan", "(NAVGW 1)",
    ];

    private static List<string> Mutate(IReadOnlyList<string> lines, int variants, int seed)
    {
        var random = new Random(seed);
        var result = new List<string>();
        foreach (var line in lines)
        {
            result.Add(line);
            for (var v = 0; v < variants; v++)
            {
                var mutated = line;
                for (var n = random.Next(1, 6); n > 0; n--)
                {
                    mutated = Mutate(mutated, random);
                }

                result.Add(mutated);
            }
        }

        return result.Distinct(StringComparer.Ordinal).ToList();
    }

    private static string Mutate(string line, Random random)
    {
        var words = line.Split(' ').ToList();
        switch (random.Next(10))
        {
            case 0 when words.Count > 2:
                words.RemoveAt(random.Next(words.Count));
                return string.Join(' ', words);
            case 1 or 2:
                return Ipv4().Replace(line, Addresses[random.Next(Addresses.Length)], 1);
            case 3:
                return random.Next(2) == 0 ? ReplaceFirst(line, "from ", "FROM ") : ReplaceFirst(line, "by ", "BY ");
            case 4:
                var bracket = "()[]<>@"[random.Next(7)].ToString();
                return ReplaceFirst(line, bracket, random.Next(2) == 0 ? "" : bracket + bracket);
            case 5:
                return line + new[] { ";", " ;", "\n", "  ; ;", ".", " (x)" }[random.Next(6)];
            case 6 or 7 when words.Count > 1:
                words.Insert(random.Next(1, words.Count), Words[random.Next(Words.Length)]);
                return string.Join(' ', words);
            case 8 when words.Count > 3:
                var i = random.Next(words.Count - 1);
                (words[i], words[i + 1]) = (words[i + 1], words[i]);
                return string.Join(' ', words);
            case 9:
                return random.Next(3) == 0 ? "(" + line : random.Next(2) == 0 ? line.ToLowerInvariant() : line.ToUpperInvariant();
            default:
                return ReplaceFirst(line, " ", "\t");
        }
    }

    private static string ReplaceFirst(string text, string old, string replacement)
    {
        var at = text.IndexOf(old, StringComparison.Ordinal);
        return at < 0 ? text : string.Concat(text.AsSpan(0, at), replacement, text.AsSpan(at + old.Length));
    }

    [System.Text.RegularExpressions.GeneratedRegex("[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+")]
    private static partial System.Text.RegularExpressions.Regex Ipv4();

    private static string Describe(ReceivedLineKind kind, Relay? relay, bool restart) =>
        string.Join('\t', kind.ToString(), relay?.ToPseudoHeaderEntry(false, false) ?? "", relay?.IpIsPrivate == true ? "1" : "0", relay?.NoReverseDns == true ? "1" : "0", restart ? "1" : "0");

    /// <summary>SpamAssassin's reading of every Received header of the corpus sample, computed once for the tests of this class.</summary>
    public sealed class Oracle
    {
        // For each Received header of each file, in order: the message's index, the header as SpamAssassin hands it to
        // parse_received_line (hex octets), the kind, as_string (hex octets), ip_private, no_reverse_dns and whether it restarted the
        // parse. The qmail-scanner carry-over is parse_received_headers' own; mail-fetcher markers are always allowed.
        private const string PerlScript = """
            use strict; use warnings;
            use Mail::SpamAssassin::Message; use Mail::SpamAssassin::Message::Metadata;
            my ($files) = @ARGV;
            open(my $f, '<', $files) or die "$files: $!"; chomp(my @files = <$f>); close $f;
            for my $i (0 .. $#files) {
              open(my $in, '<:raw', $files[$i]) or die "$files[$i]: $!"; my $raw = do { local $/; <$in> }; close $in;
              my $msg = Mail::SpamAssassin::Message->new({ message => $raw });
              my $md = bless({ allow_mailfetch_markers => 1 }, 'Mail::SpamAssassin::Message::Metadata');
              for my $line ($msg->get_header('Received')) {
                my $qms;
                if ($md->{qmail_scanner_env_from}) { $qms = $md->{qmail_scanner_env_from}; delete $md->{qmail_scanner_env_from}; }
                $line =~ s/\n[ \t]+/ /gs;
                delete $md->{relays_trusted};
                my $relay = $md->parse_received_line($line);
                my $restart = defined $md->{relays_trusted} ? 1 : 0;
                my $kind = !defined $relay ? 'Unparseable' : !$relay ? 'Skipped' : 'Relay';
                if ($relay && $qms) { $relay->{envfrom} = $qms; $md->make_relay_as_string($relay); }
                utf8::encode($line) if utf8::is_utf8($line);
                print join("\t", $i, unpack('H*', $line), $kind, $relay ? (unpack('H*', $relay->{as_string}), $relay->{ip_private} ? 1 : 0, $relay->{no_reverse_dns} ? 1 : 0) : ('', 0, 0), $restart), "\n";
              }
              $msg->finish;
            }
            """;

        // The same for single headers (hex octets, one a line), each with a fresh state, and the qmail-scanner envelope
        // sender it leaves for the next line.
        private const string LinesScript = """
            use strict; use warnings;
            use Mail::SpamAssassin::Message::Metadata;
            my ($file) = @ARGV;
            open(my $f, '<', $file) or die "$file: $!";
            while (my $hex = <$f>) {
              chomp $hex;
              my $md = bless({ allow_mailfetch_markers => 1 }, 'Mail::SpamAssassin::Message::Metadata');
              my $relay = $md->parse_received_line(pack('H*', $hex));
              my $kind = !defined $relay ? 'Unparseable' : !$relay ? 'Skipped' : 'Relay';
              print join("\t", $kind, $relay ? (unpack('H*', $relay->{as_string}), $relay->{ip_private} ? 1 : 0, $relay->{no_reverse_dns} ? 1 : 0) : ('', 0, 0),
                defined $md->{relays_trusted} ? 1 : 0, unpack('H*', $md->{qmail_scanner_env_from} // '-')), "\n";
            }
            """;

        private List<(int Message, string Line, string Result)>? lines;

        /// <summary>The Received headers of the sample, each with SpamAssassin's result as <see cref="Describe"/> writes ours.</summary>
        public IReadOnlyList<(int Message, string Line, string Result)> Lines(SpamAssassinCorpusFixture corpus)
        {
            lock (this)
            {
                return lines ??= Run(corpus.Messages.Select(message => message.File).ToList());
            }
        }

        /// <summary>SpamAssassin's reading of each line, as <see cref="Describe"/> writes ours, then the qmail-scanner envelope sender or "-".</summary>
        public IReadOnlyList<string> Parse(IReadOnlyList<string> headers)
        {
            var file = Path.GetTempFileName();
            try
            {
                File.WriteAllLines(file, headers.Select(header => Convert.ToHexString(Encoding.Latin1.GetBytes(header))));
                return Perl.Run(LinesScript, file)
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(row => row.Split('\t'))
                    .Select(parts => string.Join('\t', [parts[0], Octets(parts[1]), .. parts[2..5], Octets(parts[5])]))
                    .ToList();
            }
            finally
            {
                File.Delete(file);
            }
        }

        private static List<(int, string, string)> Run(IReadOnlyList<string> files)
        {
            var list = Path.GetTempFileName();
            try
            {
                File.WriteAllLines(list, files.Select(Path.GetFullPath));
                return Perl.Run(PerlScript, list)
                    .Split('\n', StringSplitOptions.RemoveEmptyEntries)
                    .Select(row => row.Split('\t'))
                    .Select(parts => (
                        int.Parse(parts[0], CultureInfo.InvariantCulture),
                        Octets(parts[1]),
                        string.Join('\t', [parts[2], Octets(parts[3]), .. parts[4..]])))
                    .ToList();
            }
            finally
            {
                File.Delete(list);
            }
        }

        // One character per octet, as the parser reads a header.
        private static string Octets(string hex) => Encoding.Latin1.GetString(Convert.FromHexString(hex));
    }
}
