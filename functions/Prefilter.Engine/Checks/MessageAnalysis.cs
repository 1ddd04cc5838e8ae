using System.Text.RegularExpressions;
using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Checks;

/// <summary>
/// What built-in checks read about one mail beyond its parsed view, each fact computed on first use and at most once
/// per scan. Not thread-safe: one per scan.
/// </summary>
internal sealed partial class MessageAnalysis(MessageView view, FreemailDomains freemail)
{
    private RecipientList? recipients;
    private IReadOnlyList<string>? allFromAddresses;
    private RelayPath? relays;
    private IReadOnlyList<string>? receivedLines;
    private bool envelopeFromRead;
    private string? envelopeFrom;
    private long? dateShift;

    /// <summary>The parsed mail.</summary>
    public MessageView View { get; } = view;

    /// <summary>The set's free-mail providers.</summary>
    public FreemailDomains Freemail { get; } = freemail;

    /// <summary>
    /// The sender's addresses as SpamAssassin's <c>all_from_addrs</c> lists them, lowercase, runs of dots as one: the first
    /// Resent-From's, or else those of From, Envelope-Sender, Resent-Sender, X-Envelope-From and the envelope sender.
    /// </summary>
    public IReadOnlyList<string> AllFromAddresses => this.allFromAddresses ??= ReadAllFromAddresses();

    /// <summary>
    /// The addresses of every field named <paramref name="name"/>, or in a pseudo-header's value (<c>EnvelopeFrom</c>:
    /// the envelope sender), as <c>Name:addr</c> reads them.
    /// </summary>
    public IReadOnlyList<string> AddressesOf(string name) =>
        !PseudoHeaders.IsPseudoHeader(name) ? View.Headers.GetAddresses(name)
        : PseudoHeader(name) is { Length: > 0 } value ? View.Headers.ParseAddresses(value)
        : [];

    /// <summary>
    /// Seconds from the time the mail was received to its Date header (negative: dated in the past), as SpamAssassin's
    /// <c>check_for_shifted_date</c> computes it: the Resent-Date or else the Date header against each Received header's
    /// date, the smallest difference; 0 when either is missing.
    /// </summary>
    public long DateShift => this.dateShift ??= Checks.DateShift.Of(View.Headers, ReceivedLines);

    /// <summary>The mail's relays, read from its Received headers.</summary>
    public RelayPath Relays => this.relays ??= RelayPath.Read(View.Headers, ReceivedLines);

    /// <summary>The Received headers, newest first, unfolded as SpamAssassin unfolds them; read once for the dates and the relays.</summary>
    public IReadOnlyList<string> ReceivedLines => this.receivedLines ??=
        [.. View.Headers.Where(header => header.Name.Equals("Received", StringComparison.OrdinalIgnoreCase)).Select(header => SpamAssassinHeader.Unfold(header.RawValue))];

    /// <summary>
    /// The envelope sender as SpamAssassin guesses it without an MTA's help (<c>get_envelope_from</c>): the one the last
    /// untrusted relay logged, else X-Envelope-From, Envelope-Sender or Return-Path when no Received header is above
    /// it; empty for the null sender, null when unknown.
    /// </summary>
    public string? EnvelopeFrom
    {
        get
        {
            if (!this.envelopeFromRead)
            {
                this.envelopeFromRead = true;
                this.envelopeFrom = GuessEnvelopeFrom();
            }

            return this.envelopeFrom;
        }
    }

    /// <summary>
    /// The value of a SpamAssassin pseudo-header (<see cref="PseudoHeaders"/>): the relay lists or the envelope sender;
    /// null when it has none (an unknown envelope sender).
    /// </summary>
    public string? PseudoHeader(string name) => PseudoHeaders.Of(name) switch
    {
        PseudoHeaderKind.RelaysTrusted or PseudoHeaderKind.RelaysInternal => Relays.TrustedText,
        PseudoHeaderKind.RelaysUntrusted or PseudoHeaderKind.RelaysExternal => Relays.UntrustedText,
        PseudoHeaderKind.EnvelopeFrom => EnvelopeFrom,
        _ => throw new ArgumentException($"{name} is not a pseudo-header", nameof(name)),
    };

    /// <summary>
    /// Whether the mail came through something that removes Received headers (ezmlm, MSN groups), or has none, so that
    /// checks on them would be wrong (SpamAssassin's <c>gated_through_received_hdr_remover</c>).
    /// </summary>
    public bool GatedThroughReceivedHeaderRemover
    {
        get
        {
            var headers = View.Headers;
            var received = headers.GetJoined("Received");
            if (headers.GetJoined("Mailing-List") is { } list && EzmlmList().IsMatch(list)
                && EzmlmDelivery().IsMatch(headers.GetJoined("Delivered-To") ?? "") && QmailInvocation().IsMatch(received ?? ""))
            {
                return true;
            }

            return received is null || MsnGroups().IsMatch(received);
        }
    }

    /// <summary>The recipients as SpamAssassin's recipient checks see them.</summary>
    public RecipientList Recipients => this.recipients ??= RecipientList.Of(this);

    /// <summary>SpamAssassin's <c>MESSAGEID</c>: the Message-IDs of the mail, joined; empty when there is none.</summary>
    public string MessageIds =>
        string.Concat(MessageIdHeaders.Select(name => SpamAssassinHeader.Get(View.Headers, name)));

    // In the order SpamAssassin's MESSAGEID pseudo-header concatenates them.
    private static readonly string[] MessageIdHeaders = ["X-Message-Id", "Resent-Message-Id", "X-Original-Message-ID", "Message-Id"];

    // Where SpamAssassin's all_from_addrs looks when there is no Resent-From.
    private static readonly string[] SenderHeaders = ["From", "Envelope-Sender", "Resent-Sender", "X-Envelope-From", "EnvelopeFrom"];

    private List<string> ReadAllFromAddresses()
    {
        IEnumerable<string> addresses = View.Headers.GetValues("Resent-From") is { Count: > 0 } resent
            ? View.Headers.ParseAddresses(resent[0])
            : [];
        if (!addresses.Any())
        {
            addresses = SenderHeaders.SelectMany(AddressesOf);
        }

        return [.. addresses.Where(address => address.Length > 0).Select(address => Dots().Replace(address, ".").ToLowerInvariant()).Distinct(StringComparer.Ordinal)];
    }

    private string? GuessEnvelopeFrom()
    {
        var lastHop = Relays.Untrusted.Count > 0 ? Relays.Untrusted[0] : Relays.Trusted.Count > 0 ? Relays.Trusted[^1] : null;
        if (lastHop?.EnvelopeFrom is { } logged && (logged.IndexOf('@') > 0 || logged.Length == 0))
        {
            return logged;
        }

        // Fetchmail reuses a list's X-Sender as its own envelope sender, so no header below can be believed.
        if (FirstAddress("X-Sender") is { } sender && sender.Contains('@')
            && View.Headers.GetValues("Received").Any(value => value.Contains("(fetchmail", StringComparison.Ordinal)))
        {
            return null;
        }

        if (FirstAddress("X-Envelope-From") is { } envelopeFrom)
        {
            return ReceivedAbove("X-Envelope-From") ? null : envelopeFrom;
        }

        // A Received header above one of these means a list relayed the mail with an envelope sender of its own.
        foreach (var name in (ReadOnlySpan<string>)["Envelope-Sender", "Return-Path"])
        {
            if (FirstAddress(name) is { } address && !ReceivedAbove(name))
            {
                return address;
            }
        }

        return null;
    }

    private string? FirstAddress(string name)
    {
        if (View.Headers.GetValues(name) is not { Count: > 0 } values)
        {
            return null;
        }

        if (values[0].Trim() == "<>")
        {
            return "";
        }

        return View.Headers.ParseAddresses(values[0]) is { Count: > 0 } addresses ? addresses[0] : null;
    }

    private bool ReceivedAbove(string name)
    {
        var received = -1;
        for (var i = 0; i < View.Headers.Count; i++)
        {
            var field = View.Headers[i].Name;
            if (received < 0 && field.Equals("Received", StringComparison.OrdinalIgnoreCase))
            {
                received = i;
            }
            else if (field.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                return received >= 0;
            }
        }

        return false;
    }

    [GeneratedRegex(@"\.\.+", RegexOptions.CultureInvariant)]
    private static partial Regex Dots();

    [GeneratedRegex(@"^contact \S+@\S+; run by ezmlm$", RegexOptions.CultureInvariant | RegexOptions.Multiline | RegexOptions.NonBacktracking)]
    private static partial Regex EzmlmList();

    [GeneratedRegex(@"^mailing list \S+@\S+", RegexOptions.CultureInvariant | RegexOptions.Multiline | RegexOptions.NonBacktracking)]
    private static partial Regex EzmlmDelivery();

    [GeneratedRegex(@"qmail [0-9]+ invoked (?:from network|by .{3,20})\); [0-9]+ ... [0-9]+", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex QmailInvocation();

    [GeneratedRegex(@"from groups\.msn\.com \(\S+\.msn\.com ", RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)]
    private static partial Regex MsnGroups();
}
