using System.Text.RegularExpressions;

namespace Prefilter.Engine.Checks;

/// <summary>
/// From a yahoo.com address, but no Received header of Yahoo's own mail servers (SpamAssassin's
/// <c>check_for_forged_yahoo_received_headers</c>).
/// </summary>
internal sealed partial class ForgedYahooReceivedCheck : BuiltInCheck
{
    public override bool Hits(MessageAnalysis message)
    {
        var headers = message.View.Headers;
        var from = headers.GetAddresses("From") is { Count: > 0 } addresses ? addresses[0] : "";
        if (!YahooAddress().IsMatch(from) || message.GatedThroughReceivedHeaderRemover)
        {
            return false;
        }

        var received = SpamAssassinHeader.Get(headers, "Received");
        if (headers.GetJoined("Resent-From") is { Length: > 0 } && headers.GetJoined("Resent-To") is { Length: > 0 }
            && SpamAssassinHeader.Get(headers, "X-Received") is { Length: > 0 } resent)
        {
            received = resent;
        }

        received = Whitespace().Replace(received, " ");

        // Bounces from Yahoo!: its own server is the relay that handed the mail over.
        if (YahooRdns().IsMatch(message.Relays.TrustedText) || FirstRelayYahooRdns().IsMatch(message.Relays.UntrustedText))
        {
            return false;
        }

        return !YahooServer().IsMatch(received) && !(YahooBulk().IsMatch(received) && YahooReplyAddress().IsMatch(from));
    }

    [GeneratedRegex(@"\byahoo\.com$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex YahooAddress();

    [GeneratedRegex(@"@reply\.yahoo\.com$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex YahooReplyAddress();

    [GeneratedRegex(@"\s+", RegexOptions.CultureInvariant)]
    private static partial Regex Whitespace();

    [GeneratedRegex(@" rdns=\S+\.yahoo\.com ", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex YahooRdns();

    [GeneratedRegex(@"^[^\]]+ rdns=\S+\.yahoo\.com ", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex FirstRelayYahooRdns();

    // Yahoo!'s webmail, its SMTP submission, its groups (NNFMP, from an address in brackets), and "mail this story".
    [GeneratedRegex(@"by web\S+\.mail\S*\.yahoo\.com via HTTP|by sonic\S+\.consmr\.mail\S*\.yahoo\.com with HTTP|by smtp\S+\.yahoo\.com with SMTP" +
        @"|from \[[0-9A-Fa-f:.]+\] by \S+\.(?:groups|scd|dcn)\.yahoo\.com with NNFMP" +
        @"|by \w+\.\w+\.yahoo\.com \([0-9]+\.[0-9]+\.[0-9]+/[0-9]+\.[0-9]+\.[0-9]+\)(?: with ESMTP)? id \w+", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex YahooServer();

    [GeneratedRegex(@"\bmailer[0-9]+\.bulk\.scd\.yahoo\.com\b", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex YahooBulk();
}
