using System.Text.RegularExpressions;

namespace Prefilter.Engine.Checks;

// The patterns of ReceivedLineParser, in the order the parser tries them. On the rewritten line the only whitespace is a
// single space, so Perl's \S is [^ ] and \s is a space. A pattern is non-backtracking unless it needs a lookaround or a
// \b its capture depends on (then it runs on the ECMAScript engine, whose \b, \s, \d and \w are ASCII as Perl's are on
// octets, and says why it stays linear). Where Perl's \b only tests a character next to a literal, it is spelt out as
// that character class, or the start or end, so the pattern stays non-backtracking.
internal static partial class ReceivedLineParser
{
    private const RegexOptions Linear = RegexOptions.CultureInvariant | RegexOptions.NonBacktracking;
    private const RegexOptions LinearIgnoreCase = Linear | RegexOptions.IgnoreCase;
    private const RegexOptions PerlBytes = RegexOptions.ECMAScript | RegexOptions.CultureInvariant;
    private const RegexOptions PerlBytesIgnoreCase = PerlBytes | RegexOptions.IgnoreCase;

    private const string Octet = "(?:1[0-9][0-9]|2[0-4][0-9]|25[0-5]|[1-9][0-9]|[0-9])";
    private const string Ipv4 = Octet + @"\." + Octet + @"\." + Octet + @"\." + Octet;
    private const string Hex = "[a-f0-9]{1,4}";

    // IPv6 forms of SpamAssassin's IP_ADDRESS (Constants.pm): an IPv4 address mapped in IPv6, then pure IPv6, then "::".
    private const string Ipv6 =
        "(?:(?:(?:" + Hex + ":){6}|::(?:" + Hex + ":){0,5}|(?:" + Hex + ":){1,5}:|" + Hex + "::(?:" + Hex + ":){1,4}|(?:" + Hex + ":){2}:(?:" + Hex + ":){1,3}|(?:" + Hex + ":){3}:(?:" + Hex + ":){1,2}|(?:" + Hex + ":){4}:" + Hex + ":)" + Ipv4
        + "|(?:" + Hex + ":){7}" + Hex + "|:(?::" + Hex + "){1,7}|(?:" + Hex + ":){1,7}:|" + Hex + ":(?::" + Hex + "){1,6}|(?:" + Hex + ":){2}(?::" + Hex + "){1,5}|(?:" + Hex + ":){3}(?::" + Hex + "){1,4}|(?:" + Hex + ":){4}(?::" + Hex + "){1,3}|(?:" + Hex + ":){5}(?::" + Hex + "){1,2}|(?:" + Hex + ":){6}:" + Hex + "|::)";

    // SpamAssassin's IP_ADDRESS as it is, case-insensitive as its qr//i is: for the backtracking patterns.
    private const string Ip = @"(?i:\b(?<!:)" + Ipv4 + @"\b|(?:IPv6:|(?<![a-f0-9:]))" + Ipv6 + "(?![a-f0-9:]))";

    // IP_ADDRESS where the characters on both sides are fixed punctuation (or the line's start or end), which already
    // satisfy its lookarounds and \b: the same matches, on the non-backtracking engine.
    private const string IpCore = "(?i:" + Ipv4 + "|(?:IPv6:)?" + Ipv6 + ")";

    private const string LocalhostIpv6 =
        "(?:(?:(?:0{1,4}:){5}ffff:|::(?:0{1,4}:){0,4}ffff:|(?:0{1,4}:){1,4}:ffff:|0{1,4}::(?:0{1,4}:){1,3}ffff:|(?:0{1,4}:){2}:0{1,2}:ffff:|(?:0{1,4}:){3}:0:ffff:|(?:0{1,4}:){4}:ffff:)127\\.0\\.0\\.1"
        + "|(?:0{1,4}:){7}0{0,3}1|:(?::0{1,4}){0,6}:0{0,3}1|0{1,4}:(?::0{1,4}){0,5}:0{0,3}1|(?:0{1,4}:){2}(?::0{1,4}){0,4}:0{0,3}1|(?:0{1,4}:){3}(?::0{1,4}){0,3}:0{0,3}1|(?:0{1,4}:){4}(?::0{1,4}){0,2}:0{0,3}1|(?:0{1,4}:){5}(?::0{1,4}){0,1}:0{0,3}1|(?:0{1,4}:){6}:0{0,3}1)";

    // SpamAssassin's LOCALHOST, used only between fixed punctuation, which satisfies its lookarounds and \b (as IpCore).
    private const string Localhost = @"(?i:localhost(?:\.localdomain)?|127\.0\.0\.1|(?:IPv6:)?" + LocalhostIpv6 + ")";

    private const string PrivateIpv4 = @"(?:10|127|169\.254|172\.(?:1[6-9]|2[0-9]|3[01])|192\.168|100\.(?:6[4-9]|[7-9][0-9]|1[01][0-9]|12[0-7]))\..*";

    // SpamAssassin's IP_PRIVATE: private-use, loopback, link-local and shared (RFC 6598) ranges, plain or mapped in IPv6.
    private const string IpPrivatePattern =
        "^(?:" + PrivateIpv4 + "|(?:IPv6:|(?<![a-f0-9:]))(?:(?:(?:0{1,4}:){5}ffff:|::(?:0{1,4}:){0,4}ffff:|(?:0{1,4}:){1,4}:ffff:|0{1,4}::(?:0{1,4}:){1,3}ffff:|(?:0{1,4}:){2}:0{1,2}:ffff:|(?:0{1,4}:){3}:0:ffff:|(?:0{1,4}:){4}:ffff:)" + PrivateIpv4
        + "|fe[89ab][0-9a-f]:.*|(?:0{1,4}:){7}0{0,3}1|:(?::0{1,4}){0,6}:0{0,3}1|0{1,4}:(?::0{1,4}){0,5}:0{0,3}1|(?:0{1,4}:){2}(?::0{1,4}){0,4}:0{0,3}1|(?:0{1,4}:){3}(?::0{1,4}){0,3}:0{0,3}1|(?:0{1,4}:){4}(?::0{1,4}){0,2}:0{0,3}1|(?:0{1,4}:){5}(?::0{1,4}){0,1}:0{0,3}1|(?:0{1,4}:){6}:0{0,3}1)(?![a-f0-9:]))";


    // SpamAssassin's IP_ADDRESS anywhere in a text, e.g. the value of X-Originating-IP.
    [GeneratedRegex("(" + Ip + ")", PerlBytes)]
    private static partial Regex AnyIpAddress();

    // Perl's \s on octets.
    [GeneratedRegex(@"[ \t\n\r\f\v]+", Linear)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@"^\(?from ", LinearIgnoreCase)]
    private static partial Regex StartsWithFrom();

    // Perl's \b on both sides, spelt out so the pattern stays linear.
    [GeneratedRegex(@"(?:^|[^A-Za-z0-9_])with local for(?:[^A-Za-z0-9_]|$)", Linear)]
    private static partial Regex WithLocalFor();

    [GeneratedRegex(@"^from ([^ ]+) by [^ ;]+ ?;", LinearIgnoreCase)]
    private static partial Regex FromByNothing();

    [GeneratedRegex(@"^\[[0-9.]+\]$", Linear)]
    private static partial Regex BracketedDottedNumbers();

    [GeneratedRegex(@"[ ;]+(?:(?:Mon|T(?:ue|hu)|Wed|Fri|S(?:at|un)), )?[0-9]+ (?:J(?:an|u[nl])|Feb|Ma[ry]|A(?:pr|ug)|Sep|Oct|Nov|Dec) [0-9]+ [0-9]+:[0-9]+(?::[0-9]+)? [^ ]+$", Linear)]
    private static partial Regex TrailingDate();

    [GeneratedRegex(@" id <?([^ <>;]{3,})", Linear)]
    private static partial Regex MessageId();

    [GeneratedRegex(@"(?:^|[^A-Za-z0-9_])helo=([-A-Za-z0-9.^+_&:=?!@%*$\\/]+)(?:[^-A-Za-z0-9.^+_&:=?!@%*$\\/]|$)", Linear)]
    private static partial Regex HeloEquals();

    [GeneratedRegex(@"(?:^|[^A-Za-z0-9_])(?:HELO|EHLO) ([-A-Za-z0-9.^+_&:=?!@%*$\\/]+)(?:[^-A-Za-z0-9.^+_&:=?!@%*$\\/]|$)", Linear)]
    private static partial Regex HeloCommand();

    [GeneratedRegex(@" by ([^ ]+)(?:[^-A-Za-z0-9;.]|$)", Linear)]
    private static partial Regex ByHost();

    [GeneratedRegex(@" with ((?:ES|L|UTF8S|UTF8L)MTPS?A|ASMTP|HTTP[SU]?)(?: |;|$)", LinearIgnoreCase)]
    private static partial Regex AuthenticatedProtocol();

    [GeneratedRegex(@" by mx\.google\.com with ESMTPS id [a-z0-9]{1,4}sm[0-9]{2,9}[a-z]{3}\.[0-9]{1,3}\.[0-9]{4}\.(?:[0-6][0-9]\.){4}[0-6][0-9]", Linear)]
    private static partial Regex GmailSubmission();

    [GeneratedRegex(@"\(version=([^ ]+) cipher=([^)]+)\)", Linear)]
    private static partial Regex GmailTls();

    [GeneratedRegex(@"^from .*?(?:\]\)|\)\]) \(AUTH: (LOGIN|PLAIN|DIGEST-MD5|CRAM-MD5) [^ ]+(?:, .*?)?\) by ", Linear)]
    private static partial Regex CourierAuth();

    [GeneratedRegex(@"^from .*?(?:\](?: \([^)]*\))?\)|\)\]) .*?\(.*?authenticated.*?\).*? by", Linear)]
    private static partial Regex SendmailAuth();

    [GeneratedRegex(@"from [^ ]* \((?:HELO|EHLO) ([^ ]*)\) \[(" + IpCore + @")\] by (mail\.gmx\.(?:net|com)) \([^)]+\) with ((?:ESMTP|SMTP))", Linear)]
    private static partial Regex GmxAuth();

    [GeneratedRegex(@"\) by .+ \([0-9]{1,2}\.[0-9]\.[0-9]{3}(?:\.[0-9]{1,3})?\) \(authenticated as .+\) id ", Linear)]
    private static partial Regex CriticalPathAuth();

    [GeneratedRegex(@"\) \(Authenticated sender: [^ ]+\) by [^ ]+ \(([^)]+)\) with ", Linear)]
    private static partial Regex PostfixAuth();

    [GeneratedRegex(@"CommuniGate Pro (?:HTTP|SMTP|XIMSS|IMAP)", Linear)]
    private static partial Regex CommunigateProtocol();

    [GeneratedRegex(@" with Microsoft Exchange Server HTTP-DAV(?:[^A-Za-z0-9_]|$)", Linear)]
    private static partial Regex ExchangeHttpDav();

    [GeneratedRegex(@" \(via (HTTP.?)\)(?: |;|$)", LinearIgnoreCase)]
    private static partial Regex ViaHttp();

    // Backtracks only within the word after each literal start: linear.
    [GeneratedRegex(@"(?:return-path:? |envelope-(?:sender|from)[ =])([^ ]+)\b", PerlBytesIgnoreCase)]
    private static partial Regex EnvelopeSender();

    [GeneratedRegex(@"^([^ ]+)[^-A-Za-z0-9.]", Linear)]
    private static partial Regex HeloGuess();

    [GeneratedRegex(@" \((?:SquirrelMail|NaSMail) authenticated user ", Linear)]
    private static partial Regex SquirrelMail();

    // Unanchored, but from each start the address and .{10,80} are bounded, and the host backtracks only within its word.
    [GeneratedRegex(@"(" + Ip + @")\b(?![.-]).{10,80}by ([^ ]+) with HTTP", PerlBytes)]
    private static partial Regex SquirrelMailRelay();

    // Unanchored, but from each start everything up to the literal " by " is bounded and the rest is deterministic.
    [GeneratedRegex(@"(" + Ip + @") by ([^ ]+) \(" + Ip + @"\) with HTTP \(WebMailUI\)", PerlBytes)]
    private static partial Regex AolWebMail();

    [GeneratedRegex(@"^([^ ]*) \(\[(" + IpCore + @")\][^)]{0,40}\) by ([^ ]+) with Microsoft SMTPSVC", Linear)]
    private static partial Regex Smtpsvc();

    [GeneratedRegex(@"^mail pickup service by [^ ]+ with Microsoft SMTPSVC$", Linear)]
    private static partial Regex SmtpsvcPickup();

    [GeneratedRegex(@" with (?:Microsoft SMTP Server|mapi id) (?:\([^)]+\) )?[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+(?:$| )", Linear)]
    private static partial Regex MicrosoftSmtpServer();

    [GeneratedRegex(@"^([^ ]+) \(\[?(" + IpCore + @")(?:%[A-Z0-9._~-]*)?\]?\) by ([^ ]+) ", Linear)]
    private static partial Regex MicrosoftSmtpServerRelay();

    // Anchored, and each part is bounded or ends at a fixed character: linear.
    [GeneratedRegex(@"^([^ ]+) \((\[?" + Ip + @"\]?)(?::[0-9]+)\) by ([^ ]+)(?: \([^ ]+\))? with \[XMail", PerlBytes)]
    private static partial Regex XMail();

    [GeneratedRegex(@" id <([^ ]+)>", Linear)]
    private static partial Regex XMailId();

    [GeneratedRegex(@" from <([^ ]+)>", Linear)]
    private static partial Regex XMailFrom();

    [GeneratedRegex(@"\(ecelerity(?:[^A-Za-z0-9_]|$)", Linear)]
    private static partial Regex Ecelerity();

    // Anchored, and each part is bounded or ends at a fixed character: linear.
    [GeneratedRegex(@"^\(\[(" + Ip + @"):[0-9]+\] helo=([^ ]+)\) by ([^ ]+) ", PerlBytes)]
    private static partial Regex EcelerityWithHelo();

    // Anchored, and each part is bounded or ends at a fixed character: linear.
    [GeneratedRegex(@"^[^ ]+ \(\[(" + Ip + @"):[0-9]+\]\) by ([^ ]+) ", PerlBytes)]
    private static partial Regex EcelerityWithoutHelo();

    [GeneratedRegex(@"(?:^|[^A-Za-z0-9_])with local(?:-[^ ]+)? ", Linear)]
    private static partial Regex EximLocal();

    [GeneratedRegex(@"^\[(" + IpCore + @")\] \((.*?)\) by ([^ ]+) ", Linear)]
    private static partial Regex EximBracketedIp();

    [GeneratedRegex(@"helo=([^ ]+)", Linear)]
    private static partial Regex EximHelo();

    [GeneratedRegex(@"ident=([^ ]*)", Linear)]
    private static partial Regex EximIdent();

    [GeneratedRegex(@"^([^ ]+) \(\[(" + IpCore + @")\](.*?)\) by ([^ ]+) ", Linear)]
    private static partial Regex EximRdnsBracketedIp();

    [GeneratedRegex(@"^([^ ]+) \[(" + IpCore + @")\](:[0-9]+)? by ([^ ]+) ", Linear)]
    private static partial Regex EximRdnsIp();

    [GeneratedRegex(@"^([^ ]+) ", Linear)]
    private static partial Regex FirstWord();

    [GeneratedRegex(@" \(([^ ]+)\) ", Linear)]
    private static partial Regex ParenthesizedWord();

    [GeneratedRegex(@" \[(" + IpCore + @")(?:\.[0-9]+)?\] ", Linear)]
    private static partial Regex EximOddIp();

    [GeneratedRegex(@"by ([^ ]+) ", Linear)]
    private static partial Regex EximBy();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+) \[(" + IpCore + @")\]\) by ([^ ]+) ", Linear)]
    private static partial Regex PostfixRelay();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+)\[(" + IpCore + @")\]\) by ([^ ]+) ", Linear)]
    private static partial Regex PostfixPoboxRelay();

    [GeneratedRegex(@"^([^ ]+) \( ?(" + IpCore + @")\) by ([^ ]+)", Linear)]
    private static partial Regex Scalix();

    [GeneratedRegex(@"^([^ ]+) \(\[(" + IpCore + @")\]\) by ([^ ]+) \(Lotus", Linear)]
    private static partial Regex LotusDomino();

    [GeneratedRegex(@"(?:^|[^A-Za-z0-9_])with HTTP(?:[^A-Za-z0-9_]|$)", Linear)]
    private static partial Regex WithHttp();

    [GeneratedRegex(@"^(" + IpCore + @") \(\[" + IpCore + @"\]\) by ([^ ]+)", Linear)]
    private static partial Regex HttpNumericHelo();

    [GeneratedRegex(@" by [^ ]+ \(qmail-[^ ]+\) with ", Linear)]
    private static partial Regex QmailLdap();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+) \[(" + IpCore + @")\].*\) by ([^ ]+) \(", Linear)]
    private static partial Regex Sendmail();

    [GeneratedRegex(@"^IDENT:([^@]*)@", Linear)]
    private static partial Regex IdentPrefix();

    [GeneratedRegex(@"^([^@]*)@", Linear)]
    private static partial Regex UserPrefix();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+) \[(" + IpCore + @")\]\) by ([^ ]+) with [^ ]+ \(", Linear)]
    private static partial Regex ExchangeInternetMail();

    [GeneratedRegex(@"^([^ ]+) \(\[(" + IpCore + @")\] helo=([^ ]+)\) by ([^ ]+) with ", Linear)]
    private static partial Regex BracketedIpWithHelo();

    [GeneratedRegex(@"^([^ ]+) \(<unknown[^ ]*>\[(" + IpCore + @")\]\) by ([^ ]+) ", Linear)]
    private static partial Regex UnknownDomain();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+\.[^ ]+)\[(" + IpCore + @")\]\) by ([^ ]+) ", Linear)]
    private static partial Regex DottedRdnsIp();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]*)@\[(" + IpCore + @")\].*\) by ([^ ]+) \(", Linear)]
    private static partial Regex IdentAtBracketedIp();

    [GeneratedRegex(@"by ([^ ]+\.hotmail\.msn\.com) ", Linear)]
    private static partial Regex HotmailBy();

    [GeneratedRegex(@"^(" + IpCore + @") ", Linear)]
    private static partial Regex LeadingIp();

    [GeneratedRegex(@"^([^ ]+) \((?:HELO|EHLO) ([^ ]*)\) \((" + IpCore + @")\) by ([^ ]+) \(qpsmtpd/[^ ]+\) with (?:ESMTP|SMTP)", Linear)]
    private static partial Regex Qpsmtpd();

    [GeneratedRegex(@"^([^ ]+) \(LHLO ([^ ]*)\) \((" + IpCore + @")\) by ([^ ]+) with LMTP", Linear)]
    private static partial Regex Lmtp();

    [GeneratedRegex(@"^([^ ]+) \((?:HELO|EHLO) ([^ ]*)\) \[(" + IpCore + @")\] by ([^ ]+) \([^)]+\) with (?:ESMTP|SMTP)", Linear)]
    private static partial Regex GmxRelay();

    [GeneratedRegex(@"^([^ ]+) \(\[(" + IpCore + @")\]\) by ([^ ]+) via smtpd \(for [^ ]+\) with SMTP\(", Linear)]
    private static partial Regex ViaSmtpd();

    // Perl's (?! id ) after the protocol, spelt out as what may follow instead; the nested ( \(.+\))* that would backtrack
    // exponentially is harmless here.
    [GeneratedRegex(@"^[^ ]+(?: \((?:HELO|EHLO) [^ ]*\))? \((?:[^ ]+@)?\[?" + IpCore + @"\]?\)(?: \(envelope-sender <[^ ]+>\))? by [^ ]+(?: \(.+\))* with (?:.* )?(?:SMTP|QMQP)(?:$|[^ ]| $| [^i]| i$| i[^d]| id$| id[^ ])", Linear)]
    private static partial Regex QmailLine();

    [GeneratedRegex(@"^([^ ]+) \((?:HELO|EHLO) ([^ ()]*)\) \(([^ ]*)@\[?(" + IpCore + @")\]?\)( \(envelope-sender <[^ ]+>\))? by ([^ ]+)", Linear)]
    private static partial Regex QmailHeloIdent();

    [GeneratedRegex(@"^([^ ]+) \((?:HELO|EHLO) ([^ ()]*)\) \(\[?(" + IpCore + @")\]?\)( \(envelope-sender <[^ ]+>\))? by ([^ ]+)", Linear)]
    private static partial Regex QmailHelo();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]*)@\[?(" + IpCore + @")\]?\)( \(envelope-sender <[^ ]+>\))? by ([^ ]+)", Linear)]
    private static partial Regex QmailIdent();

    [GeneratedRegex(@"^([^ ]+) \(\[?(" + IpCore + @")\]?\)( \(envelope-sender <[^ ]+>\))? by ([^ ]+)", Linear)]
    private static partial Regex QmailPlain();

    [GeneratedRegex(@"^\[(" + IpCore + @")\] by ([^ ]+) via HTTP$", Linear)]
    private static partial Regex YahooViaHttp();

    [GeneratedRegex(@"^([^ ]+) \( \[(" + IpCore + @")\]\).*? by ([^ ]+) ", Linear)]
    private static partial Regex SpaceBracketedIp();

    [GeneratedRegex(@"^\(([^ ]+) \[(" + IpCore + @")\]\) by ([^ ]+) ", Linear)]
    private static partial Regex NoHeloName();

    [GeneratedRegex(@"^\[(" + IpCore + @")\] by ([^ ]+) ", Linear)]
    private static partial Regex BracketedIpBy();

    [GeneratedRegex(@"^\(\[?(" + IpCore + @")\]?\) by ([^ ]+) ", Linear)]
    private static partial Regex OnlyIp();

    [GeneratedRegex(@"^([^ ]+) \[(" + IpCore + @")\] by ([^ ]+) \[" + IpCore + @"\] with ", Linear)]
    private static partial Regex MDaemon();

    [GeneratedRegex(@"^([^ ]+) \[\((" + IpCore + @")\)\] by ([^ ]+) \(" + IpCore + @"\) ", Linear)]
    private static partial Regex MDaemonPro();

    [GeneratedRegex(@"^([^ ]+) \(\[(" + IpCore + @")\]\) by ([^ ]+) \(", Linear)]
    private static partial Regex SendmailNoRdns();

    // Anchored, one lazy run, and the host backtracks only within the word after each " by ": linear.
    [GeneratedRegex(@"^([^ ]+) \(([^ ]+) \[(" + Ip + @")\]\).*? by ([^ ]+)\b", PerlBytes)]
    private static partial Regex SendmailLoose();

    // Anchored; the address ends where the next character is not hex or a colon, so a few bounded choices at most reach the one
    // lazy run: linear.
    [GeneratedRegex(@"^([^ ]+) \(\[(" + Ip + @")(?:[.:][0-9]+)?\]\).*? by ([^ ]+) ", PerlBytes)]
    private static partial Regex IpWithPort();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+) \[(" + IpCore + @")\]\)(?: \(authenticated bits=[0-9]+\))? by ([^ ]+) \(", Linear)]
    private static partial Regex SendmailAuthenticatedBits();

    [GeneratedRegex(@"with (?:POP3|IMAP)", Linear)]
    private static partial Regex MailFetcher();

    [GeneratedRegex(@"^([^ ]+) \((?:HELO|EHLO) ([^)]*)\) \(([^ ]*@)?\[?(" + IpCore + @")\]?\).* by ([^ ]+) ", Linear)]
    private static partial Regex QmailishHelo();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]*@)?\[?(" + IpCore + @")\]?\).* by ([^ ]+) ", Linear)]
    private static partial Regex QmailishNoHelo();

    [GeneratedRegex(@"^\[(" + IpCore + @")\] by ([^ ]+) with http for ", Linear)]
    private static partial Regex Outblaze();

    [GeneratedRegex(@"^([^ ]+)\((" + IpCore + @")\) by ([^ ]+) via smap ", Linear)]
    private static partial Regex Smap();

    [GeneratedRegex(@"^([^ ]+)\((" + IpCore + @"), (?:HELO|EHLO) ([^ ]*)\) by ([^ ]+) via smap ", Linear)]
    private static partial Regex SmapHelo();

    [GeneratedRegex(@"^\[(" + IpCore + @")\] by ([^ ]+) \(Post", Linear)]
    private static partial Regex PostOffice();

    [GeneratedRegex(@"^\[(" + IpCore + @")\] by ([^ ]+) \(ArGoSoft", Linear)]
    private static partial Regex ArGoSoft();

    [GeneratedRegex(@"^(" + IpCore + @") by ([^ ]+) \((?:SMTPL|InterScan)(?:[^A-Za-z0-9_]|$)", Linear)]
    private static partial Regex InterScan();

    [GeneratedRegex(@"^[^ ]+ by [^ ]+ with BSMTP", Linear)]
    private static partial Regex Bsmtp();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+) \[(" + IpCore + @")\]\) by ([^ ]+) with ", Linear)]
    private static partial Regex HeloRdnsIpWith();

    // Anchored. Every choice of ident and address ends inside the same word, and ") by" can only start at its end or
    // later, so the rest matches from all choices or from none: the atomic group keeps the first, as Perl ends up doing,
    // without retrying the lazy run once per '@'.
    [GeneratedRegex(@"^([^ ]+) \((?:HELO|EHLO) ([^ ]*)\) \((?>(?:([^ ]+)@)?(" + Ip + @")).*?\) by ([^ ]+) with ", PerlBytes)]
    private static partial Regex YahooPlain();

    [GeneratedRegex(@"^\[(" + IpCore + @")\] \((?:account [^ ]+ )?(?:HELO|EHLO) ([^ ]*)\) by ([^ ]+) \(", Linear)]
    private static partial Regex CommunigateAccount();

    [GeneratedRegex(@"^([^ ]+) \(\[(" + IpCore + @")\] verified\) by ([^ ]+) \(", Linear)]
    private static partial Regex CommunigateVerified();

    [GeneratedRegex(@"^\(\[(" + IpCore + @")\]\) by ([^ ]+) with ", Linear)]
    private static partial Regex OnlyBracketedIpWith();

    [GeneratedRegex(@"^([^0-9][^ ]+) \((" + IpCore + @")\) by ([^ ]+) ", Linear)]
    private static partial Regex HeloParenthesizedIp();

    [GeneratedRegex(@"^[^ ]+ \([^ ]+\) by [^ ]+ \(Content Technologies ", Linear)]
    private static partial Regex ContentTechnologies();

    [GeneratedRegex(@"^([^ ]+) \(\[(" + IpCore + @")\] \[([^ ]+)\]\) by ([^ ]+) with ", Linear)]
    private static partial Regex TwoBracketedIps();

    [GeneratedRegex(@"^(" + IpCore + @") by ([^ ]+) with ", Linear)]
    private static partial Regex IpByWith();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+)\[(" + IpCore + @")\]\) by ([^ ]+) ", Linear)]
    private static partial Regex RdnsIpNoSpace();

    [GeneratedRegex(@"^\[(" + IpCore + @")\][^ ]+ \((?:HELO|EHLO) ([^ ]*)\) by ([^ ]+) ", Linear)]
    private static partial Regex FSecure();

    [GeneratedRegex(@"^(" + IpCore + @") \((?:HELO|EHLO) ([^ ]*)\) by ([^ ]+) ", Linear)]
    private static partial Regex IpHelo();

    [GeneratedRegex(@"^([^ ]+) \[(" + IpCore + @")\] by ([^ ]+) ", Linear)]
    private static partial Regex HeloBracketedIpBy();

    [GeneratedRegex(@"^([^ ]+)\((" + IpCore + @")\) by ([^ ]+) ", Linear)]
    private static partial Regex Csmap();

    [GeneratedRegex(@"^\[(" + IpCore + @")\] by ([^ ]+) \(MailGate ", Linear)]
    private static partial Regex MailGate();

    [GeneratedRegex(@"^([^ ]+) \(unverified \[(" + IpCore + @")\]\) by ([^ ]+) ", Linear)]
    private static partial Regex Unverified();

    [GeneratedRegex(@"^(" + IpCore + @") \([A-Za-z][^)]+\) by ([^ ]+) with ", Linear)]
    private static partial Regex IpCommentByWith();

    [GeneratedRegex(@"^\[(" + IpCore + @")\] \(([^)]+)\) by ([^ ]+) ", Linear)]
    private static partial Regex BracketedIpComment();

    [GeneratedRegex(@"^([^ ]+) \((?:[^ ]+@)?(" + IpCore + @")\) by ([^ ]+) with ", Linear)]
    private static partial Regex RdnsIdentIpWith();

    [GeneratedRegex(@"^([^ ]+)\((" + IpCore + @")\)(?:, claiming to be ""([^ ]+)"")? via [^ ]+ by ([^ ]+),", Linear)]
    private static partial Regex Obtuse();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+)@(" + IpCore + @") with login\) by ([^ ]+\.yahoo\.com) with SMTP", Linear)]
    private static partial Regex YahooLogin();

    [GeneratedRegex(@"^X-Originating-IP: (" + IpCore + @")$", Linear)]
    private static partial Regex OriginatingIp();

    [GeneratedRegex(@"^[^ ]+ \([^ @]+@" + Localhost + @"\) by [^ ]+ \(", Linear)]
    private static partial Regex UserAtLocalhost();

    [GeneratedRegex(@"^[^ ]+ [^ ]+ by [^ ]+ with local-e?smtp ", Linear)]
    private static partial Regex EximLocalSubmission();

    [GeneratedRegex(@"^127\.0\.0\.1 \(AVG SMTP [^ ]+ \[[^ ]+\]\)", Linear)]
    private static partial Regex Avg();

    [GeneratedRegex(@"^[^ ]+@[^ ]+ by [^ ]+ by uid [^ ]+ ", Linear)]
    private static partial Regex ByUid();

    [GeneratedRegex(@"^[^ ]+@[^ ]+ by [^ ]+ ", Linear)]
    private static partial Regex AddressBy();

    [GeneratedRegex(@"^" + Localhost + @" \((?:[^ ]+@)?" + Localhost + @"[)\[]", Linear)]
    private static partial Regex LocalhostFromLocalhost();

    [GeneratedRegex(@"^[^ ]+ \((?:[^ ]+@)?" + Localhost + @"\) ", Linear)]
    private static partial Regex FromLocalhost();

    [GeneratedRegex(@"^[^ ]+ \([^ ]+@[^ ]+ \[" + Localhost + @"\]\) ", Linear)]
    private static partial Regex UserAtBracketedLocalhost();

    [GeneratedRegex(@"^\(AUTH: [^ ]+\) by [^ ]+ with ", Linear)]
    private static partial Regex CourierAuthOnly();

    [GeneratedRegex(@"^[^ ]+\.amazon\.com by [^ ]+\.amazon\.com with ESMTP \(peer crosscheck: ", Linear)]
    private static partial Regex AmazonInternal();

    [GeneratedRegex(@"^[^.]+ by [^ ]+ with Novell_GroupWise", Linear)]
    private static partial Regex GroupWise();

    [GeneratedRegex(@"^no\.name\.available by [^ ]+ via smtpd \(for ", Linear)]
    private static partial Regex RaptorFirewall();

    [GeneratedRegex(@"^[^ ]+ by [^ ]+ \(.{0,100}\) with qmail-scanner", Linear)]
    private static partial Regex QmailScanner();

    [GeneratedRegex(@"^[^ ]+ by [^ ]+ with local", Linear)]
    private static partial Regex ByWithLocal();

    [GeneratedRegex(@"^[^ ]+ \(\[unix socket\]\) by [^ ]+ \(Cyrus v[0-9]*?\.[0-9]*?\.[0-9]*?\) with LMTPA", Linear)]
    private static partial Regex CyrusSocket();

    [GeneratedRegex(@"^[^ ]+ by [^ ]+ (?:with|via|for|\()", Linear)]
    private static partial Regex ByWithoutIp();

    [GeneratedRegex(@"^[^ ]+ (?:(?:with|via|for) [^ ]+|\(unverified\)) by(?:[^A-Za-z0-9_]|$)", Linear)]
    private static partial Regex ProtocolBeforeBy();

    [GeneratedRegex(@"^[^ ]+ \(unknown\) by [^ ]+ \(SG\) with [A-Za-z0-9_]", Linear)]
    private static partial Regex SendGrid();

    [GeneratedRegex(@"^[^ ]+ \([^ ]+ \[local\]\) by [^ ]+ \(OpenSMTPD\) with [A-Za-z0-9_]", Linear)]
    private static partial Regex OpenSmtpd();

    [GeneratedRegex(@"^\(\[" + Localhost + @"\]\) with MailEnable ", Linear)]
    private static partial Regex MailEnable();

    [GeneratedRegex(@"^facebook\.com \([^)]+\) by facebook\.com with Thrift id [^ ]+$", Linear)]
    private static partial Regex FacebookThrift();

    [GeneratedRegex(@"^[^ ]+ named [^ ]+ by gmailapi\.google\.com with HTTPREST$", Linear)]
    private static partial Regex GmailApi();

    [GeneratedRegex(@"^[^ ]+ id [^ ]+$", Linear)]
    private static partial Regex OnlyId();

    [GeneratedRegex(@"^\[<.*? \(Jetsend", Linear)]
    private static partial Regex Jetsend();

    [GeneratedRegex(@"^([^ ]+) \(([^ ]+) \[(" + IpCore + @")\]\) BY ([^ ]+) (?:\([^)]+\) WITH SMTP )?ID <?([^ ]+?)>?(?: FOR <[^>]+>)?$", Linear)]
    private static partial Regex Simta();

    [GeneratedRegex(@"^([^ ]*) \[(" + IpCore + @")\]\) by ([^ ]+) \(NAVGW .*?\) with ", Linear)]
    private static partial Regex NortonGateway();

    [GeneratedRegex(@"^[^ ]+@localhost\) by [^ ]+ ", Linear)]
    private static partial Regex SendmailCommandLine();

    [GeneratedRegex(@"^[^ @]+@[^)]+\) by [^ ]+\(jqueuemail\) id [^ ;]+", Linear)]
    private static partial Regex Jqueuemail();

    [GeneratedRegex(@"\[(" + IpCore + @")\]", Linear)]
    private static partial Regex BracketedIp();

    [GeneratedRegex(@"\.+\z", Linear)]
    private static partial Regex TrailingDots();

    [GeneratedRegex(@"^ipv6:", LinearIgnoreCase)]
    private static partial Regex Ipv6Prefix();

    [GeneratedRegex(@"%[A-Z0-9._~-]*\z", LinearIgnoreCase)]
    private static partial Regex ZoneId();

    [GeneratedRegex(@"^0*:0*:(?:0*:)*ffff:([0-9]+\.[0-9]+\.[0-9]+\.[0-9]+)\z", LinearIgnoreCase)]
    private static partial Regex MappedIpv4();

    [GeneratedRegex(@"[ \t\n\r\f\v\x00#\[\]()<>|]", Linear)]
    private static partial Regex Unstorable();

    [GeneratedRegex(@"^[ \t\n\r\f\v]*<*", Linear)]
    private static partial Regex EnvelopeHead();

    [GeneratedRegex(@">*[ \t\n\r\f\v]*\z", Linear)]
    private static partial Regex EnvelopeTail();

    // SpamAssassin's IP_PRIVATE, on an address of at most a few dozen characters.
    [GeneratedRegex(IpPrivatePattern, PerlBytesIgnoreCase)]
    private static partial Regex IpPrivate();
}
