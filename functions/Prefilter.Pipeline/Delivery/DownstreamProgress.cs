using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Per-relay progress of a mail, kept in its blob metadata (<c>prefilter_downstream_{id}</c>) so that a retry
/// relays only what has not settled: a downstream that answered 250 is never sent the mail again (nor when it refused
/// some of the recipients with 5xx and took it for the others), one that refused it with 5xx is not asked again, and
/// one that took the mail while answering 4xx for some recipients is sent it again for those only. A relay is one
/// downstream with one verdict action (recipients whose domains give the mail different actions get differently
/// stamped copies, so they are separate relays).
/// </summary>
/// <remarks>
/// A marker is printable ASCII of at most <see cref="MailMetadata.MaxValueLength"/> characters. A deferred relay's
/// marker names the recipients still waiting by a short hash each, first, so truncating the description never cuts
/// them: <c>deferred {hash},{hash} {refusals so far} {description}</c>.
/// </remarks>
public static class DownstreamProgress
{
    /// <summary>Prefix of the metadata keys; the rest is a short hash of the downstream's host and port and the action.</summary>
    public const string KeyPrefix = "prefilter_downstream_";

    /// <summary>
    /// Most recipients of one relay that may wait for a retry after a 4xx at <c>RCPT TO</c> while the others get the
    /// mail; their hashes must fit a marker. Past that, a 4xx fails the whole relay before the data.
    /// </summary>
    public const int MaxDeferredRecipients = 32;

    private const string DeliveredWord = "delivered";
    private const string RefusedWord = "refused";
    private const string PartlyRefusedWord = "partly-refused";
    private const string DeferredWord = "deferred";

    /// <summary>The metadata key for a relay (a valid C# identifier, as blob metadata names must be).</summary>
    /// <param name="downstream">The downstream.</param>
    /// <param name="action">The verdict action the relayed copy is stamped with.</param>
    public static string KeyOf(Downstream downstream, VerdictAction action)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        var identity = $"{downstream.Host.Trim().TrimEnd('.').ToLowerInvariant()}:{downstream.Port}|{action}";
        return KeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 8));
    }

    /// <summary>The marker of a relay in the metadata, or null when it has none yet.</summary>
    /// <param name="metadata">The mail blob's metadata.</param>
    /// <param name="downstream">The downstream.</param>
    /// <param name="action">The verdict action of the relayed copy.</param>
    public static string? MarkerOf(IReadOnlyDictionary<string, string> metadata, Downstream downstream, VerdictAction action)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return metadata.TryGetValue(KeyOf(downstream, action), out var value) ? value : null;
    }

    /// <summary>What a marker says about its relay.</summary>
    /// <param name="marker">The marker, or null for none.</param>
    public static DownstreamState StateOf(string? marker) => marker switch
    {
        null => DownstreamState.Pending,
        _ when IsWord(marker, DeliveredWord) => DownstreamState.Delivered,
        _ when IsWord(marker, RefusedWord) => DownstreamState.Refused,
        _ when IsWord(marker, PartlyRefusedWord) => DownstreamState.PartlyRefused,
        _ when IsWord(marker, DeferredWord) => DownstreamState.Deferred,
        _ => DownstreamState.Pending,
    };

    /// <summary>What the metadata says about a relay.</summary>
    /// <param name="metadata">The mail blob's metadata.</param>
    /// <param name="downstream">The downstream.</param>
    /// <param name="action">The verdict action of the relayed copy.</param>
    public static DownstreamState StateOf(IReadOnlyDictionary<string, string> metadata, Downstream downstream, VerdictAction action) =>
        StateOf(MarkerOf(metadata, downstream, action));

    /// <summary>
    /// The recipients a relay still has to send to: all of them, or for a <see cref="DownstreamState.Deferred"/>
    /// marker those it names.
    /// </summary>
    /// <param name="marker">The relay's marker, or null for none.</param>
    /// <param name="recipients">The relay's envelope recipients.</param>
    public static IReadOnlyList<string> Waiting(string? marker, IReadOnlyList<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        if (StateOf(marker) != DownstreamState.Deferred)
        {
            return recipients;
        }

        var waiting = Field(marker!, 1).Split(',').ToHashSet(StringComparer.Ordinal);
        return [.. recipients.Where(recipient => waiting.Contains(HashOf(recipient)))];
    }

    /// <summary>
    /// The marker after a downstream took the mail for at least one recipient: <c>deferred …</c> while some answered
    /// 4xx, else <c>partly-refused …</c> when some (now or on an earlier attempt) were refused with 5xx, else
    /// <c>delivered …</c>. It is also the text the mail's retry log or dead-letter reason gives for this relay.
    /// </summary>
    /// <param name="downstream">The downstream.</param>
    /// <param name="result">What it answered.</param>
    /// <param name="earlier">The relay's marker before this attempt, or null.</param>
    public static string Accepted(Downstream downstream, SmtpRelayResult result, string? earlier)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        ArgumentNullException.ThrowIfNull(result);
        var deferredEarlier = StateOf(earlier) == DownstreamState.Deferred;
        var refusals = result.RefusedRecipients.Count + (deferredEarlier ? int.Parse(Field(earlier!, 2), CultureInfo.InvariantCulture) : 0);
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
        text.Append(Before(earlier));

        if (result.DeferredRecipients.Count > 0)
        {
            var hashes = string.Join(",", result.DeferredRecipients.Select(r => HashOf(r.Recipient)));
            return MailMetadata.Sanitize($"{DeferredWord} {hashes} {refusals.ToString(CultureInfo.InvariantCulture)} {text}");
        }

        return MailMetadata.Sanitize($"{(refusals > 0 ? PartlyRefusedWord : DeliveredWord)} {text}");
    }

    /// <summary>
    /// The marker after a downstream refused the mail for good (for every recipient it was sent to); it is also the
    /// text the mail's dead-letter reason gives for this relay.
    /// </summary>
    /// <param name="failure">The refusal.</param>
    /// <param name="earlier">The relay's marker before this attempt (a deferred relay took the mail for others), or null.</param>
    public static string Refused(PermanentRelayException failure, string? earlier)
    {
        ArgumentNullException.ThrowIfNull(failure);
        return MailMetadata.Sanitize($"{RefusedWord} {failure.Downstream} {failure.StatusCode} {failure.Reply}{Before(earlier)}");
    }

    /// <summary>
    /// What an attempt's text appends about the attempt before it: <c>; before: …</c> with the recipients a deferred
    /// relay refused or still waits for, so the final reason names them all; empty for other markers.
    /// </summary>
    /// <param name="earlier">The relay's marker before this attempt, or null.</param>
    public static string Before(string? earlier) =>
        StateOf(earlier) == DownstreamState.Deferred ? $"; before: {DescriptionOf(earlier!)}" : "";

    /// <summary>A marker without the recipient hashes and counts a deferred one starts with: the text for people.</summary>
    /// <param name="marker">The marker.</param>
    public static string DescriptionOf(string marker)
    {
        ArgumentNullException.ThrowIfNull(marker);
        return StateOf(marker) == DownstreamState.Deferred ? $"{DeferredWord} {Field(marker, 3)}" : marker;
    }

    /// <summary>Whether earlier attempts of a relay had recipients refused with 5xx.</summary>
    /// <param name="marker">The relay's marker, or null for none.</param>
    public static bool HasRefusals(string? marker) => StateOf(marker) switch
    {
        DownstreamState.Refused or DownstreamState.PartlyRefused => true,
        DownstreamState.Deferred => Field(marker!, 2) != "0",
        _ => false,
    };

    private static bool IsWord(string marker, string word) =>
        marker.StartsWith(word, StringComparison.Ordinal) && (marker.Length == word.Length || marker[word.Length] == ' ');

    // Field 0 is the word; a deferred marker has the hashes (1), the refusals so far (2) and the description (3).
    private static string Field(string marker, int index) => marker.Split(' ', 4)[index];

    private static string Describe(RecipientRefusal refusal) => $"{refusal.Recipient} {refusal.StatusCode} {refusal.Reply}";

    // Eight hex digits: the hash only has to tell apart the recipients of one relay; envelope addresses compare as
    // written by the sender's MTA, case kept.
    private static string HashOf(string recipient) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(recipient)).AsSpan(0, 4));
}

/// <summary>Where a mail stands with one of its downstreams.</summary>
public enum DownstreamState
{
    /// <summary>Not yet accepted or refused: relay (again).</summary>
    Pending,

    /// <summary>Accepted with 2xx: never relay again.</summary>
    Delivered,

    /// <summary>Refused with 5xx: do not relay again; the mail is dead-lettered for these recipients.</summary>
    Refused,

    /// <summary>
    /// Accepted for some recipients, refused with 5xx for the others: never relay again; the mail is dead-lettered for
    /// the refused ones.
    /// </summary>
    PartlyRefused,

    /// <summary>
    /// Accepted for some recipients while others answered 4xx: relay again, to those only
    /// (<see cref="DownstreamProgress.Waiting"/>).
    /// </summary>
    Deferred,
}
