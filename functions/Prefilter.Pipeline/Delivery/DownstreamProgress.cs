using System.Security.Cryptography;
using System.Text;
using Prefilter.Pipeline.Domains;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Where one relay of a mail stands after the attempts so far, kept on the mail blob
/// (<see cref="DownstreamProgressMarker"/>) so that a retry relays only what has not settled. A relay is one downstream
/// with one verdict action: recipients whose domains give the mail different actions get differently stamped copies.
/// </summary>
public sealed record DownstreamProgress
{
    /// <summary>
    /// Most recipients of one relay that may wait for a retry after a 4xx at <c>RCPT TO</c> while the others get the
    /// mail; their hashes must fit a marker. Past that, a 4xx fails the whole relay before the data.
    /// </summary>
    public const int MaxDeferredRecipients = 32;

    internal DownstreamProgress(DownstreamState state, string detail, IReadOnlyList<string>? waitingHashes = null, int refusedSoFar = 0)
    {
        State = state;
        Detail = detail;
        WaitingHashes = waitingHashes ?? [];
        RefusedSoFar = refusedSoFar;
    }

    /// <summary>A relay without an answer yet: it sends to all its recipients.</summary>
    public static DownstreamProgress Pending { get; } = new(DownstreamState.Pending, "");

    /// <summary>What the downstream answered.</summary>
    public DownstreamState State { get; }

    /// <summary>The answers for people: downstream, replies, refused and deferred recipients, the attempt before.</summary>
    public string Detail { get; }

    /// <summary>For <see cref="DownstreamState.Deferred"/>, the recipients still waiting, by a short hash each; else empty.</summary>
    public IReadOnlyList<string> WaitingHashes { get; }

    /// <summary>For <see cref="DownstreamState.Deferred"/>, how many recipients were refused with 5xx so far; else 0.</summary>
    public int RefusedSoFar { get; }

    /// <summary>The state's word and <see cref="Detail"/>: what a retry log or dead-letter reason gives for this relay.</summary>
    public string Description => DownstreamProgressMarker.Describe(this);

    /// <summary>Whether the attempts so far had recipients refused with 5xx.</summary>
    public bool HasRefusals => State switch
    {
        DownstreamState.Refused or DownstreamState.PartlyRefused => true,
        DownstreamState.Deferred => RefusedSoFar > 0,
        _ => false,
    };

    /// <summary>
    /// What the next attempt's text appends about this one: <c>; before: …</c> for a deferred relay, so the final
    /// reason names every recipient it refused or left waiting; empty otherwise.
    /// </summary>
    public string BeforeSuffix => State == DownstreamState.Deferred ? $"; before: {Description}" : "";

    /// <summary>
    /// The recipients the relay still has to send to: all of them while pending, those still waiting when deferred,
    /// none once it settled.
    /// </summary>
    /// <param name="recipients">The relay's envelope recipients.</param>
    public IReadOnlyList<string> Waiting(IReadOnlyList<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        return State switch
        {
            DownstreamState.Pending => recipients,
            DownstreamState.Deferred => [.. recipients.Where(recipient => WaitingHashes.Contains(HashOf(recipient)))],
            _ => [],
        };
    }

    /// <summary>
    /// The progress after a downstream took the mail for at least one recipient: deferred while some answered 4xx,
    /// else partly refused when some (now or on an earlier attempt) were refused with 5xx, else delivered.
    /// </summary>
    /// <param name="downstream">The downstream.</param>
    /// <param name="result">What it answered.</param>
    /// <param name="earlier">The relay's progress before this attempt.</param>
    public static DownstreamProgress Accepted(Downstream downstream, SmtpRelayResult result, DownstreamProgress earlier)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(earlier);
        var refusedSoFar = result.RefusedRecipients.Count + earlier.RefusedSoFar;
        var text = new StringBuilder($"{downstream.Host}:{downstream.Port}");
        if (result.DeferredRecipients.Count > 0)
        {
            text.Append(" deferred ").AppendJoin(", ", result.DeferredRecipients.Select(Describe));
        }

        if (result.RefusedRecipients.Count > 0)
        {
            text.Append(" refused ").AppendJoin(", ", result.RefusedRecipients.Select(Describe));
        }

        text.Append(result.DeferredRecipients.Count + result.RefusedRecipients.Count > 0 ? "; took the others: " : " ").Append(result.Reply);
        text.Append(earlier.BeforeSuffix);

        if (result.DeferredRecipients.Count > 0)
        {
            var waiting = result.DeferredRecipients.Select(refusal => HashOf(refusal.Recipient)).ToList();
            return Fitted(new DownstreamProgress(DownstreamState.Deferred, text.ToString(), waiting, refusedSoFar));
        }

        return Fitted(new DownstreamProgress(refusedSoFar > 0 ? DownstreamState.PartlyRefused : DownstreamState.Delivered, text.ToString()));
    }

    /// <summary>The progress after a downstream refused the mail for good, for every recipient it was sent to.</summary>
    /// <param name="failure">The refusal.</param>
    /// <param name="earlier">The relay's progress before this attempt (a deferred relay took the mail for others).</param>
    public static DownstreamProgress Refused(PermanentRelayException failure, DownstreamProgress earlier)
    {
        ArgumentNullException.ThrowIfNull(failure);
        ArgumentNullException.ThrowIfNull(earlier);
        return Fitted(new DownstreamProgress(
            DownstreamState.Refused, $"{failure.Downstream} {failure.StatusCode} {failure.Reply}{earlier.BeforeSuffix}"));
    }

    /// <inheritdoc/>
    public bool Equals(DownstreamProgress? other) =>
        other is not null &&
        State == other.State &&
        Detail == other.Detail &&
        RefusedSoFar == other.RefusedSoFar &&
        WaitingHashes.SequenceEqual(other.WaitingHashes);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(State, Detail, RefusedSoFar, WaitingHashes.Count);

    // A marker holds printable ASCII up to a metadata value's length; keeping only what it holds makes the text this
    // attempt reports the text a retry reads back.
    private static DownstreamProgress Fitted(DownstreamProgress progress) =>
        DownstreamProgressMarker.Parse(DownstreamProgressMarker.Format(progress));

    private static string Describe(RecipientRefusal refusal) => $"{refusal.Recipient} {refusal.StatusCode} {refusal.Reply}";

    // Eight hex digits: the hash only has to tell apart the recipients of one relay; envelope addresses compare as
    // written by the sender's MTA, case kept.
    private static string HashOf(string recipient) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(recipient)).AsSpan(0, 4));
}
