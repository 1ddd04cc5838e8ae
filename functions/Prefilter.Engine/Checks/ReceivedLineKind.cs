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
