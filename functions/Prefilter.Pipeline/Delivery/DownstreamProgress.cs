using System.Security.Cryptography;
using System.Text;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Per-relay progress of a mail, kept in its blob metadata (<c>prefilter_downstream_{id}</c>) so that a retry
/// relays only what has not settled: a downstream that answered 250 is never sent the mail again (nor when it refused
/// some of the recipients with 5xx and took it for the others), one that refused it with 5xx is not asked again. A
/// relay is one downstream with one verdict action (recipients whose domains give the mail different actions get
/// differently stamped copies, so they are separate relays).
/// </summary>
public static class DownstreamProgress
{
    /// <summary>Prefix of the metadata keys; the rest is a short hash of the downstream's host and port and the action.</summary>
    public const string KeyPrefix = "prefilter_downstream_";

    private const string DeliveredWord = "delivered";
    private const string RefusedWord = "refused";
    private const string PartlyRefusedWord = "partly-refused";

    /// <summary>The metadata key for a relay (a valid C# identifier, as blob metadata names must be).</summary>
    /// <param name="downstream">The downstream.</param>
    /// <param name="action">The verdict action the relayed copy is stamped with.</param>
    public static string KeyOf(Downstream downstream, VerdictAction action)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        var identity = $"{downstream.Host.Trim().TrimEnd('.').ToLowerInvariant()}:{downstream.Port}|{action}";
        return KeyPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)).AsSpan(0, 8));
    }

    /// <summary>What the metadata says about a relay.</summary>
    /// <param name="metadata">The mail blob's metadata.</param>
    /// <param name="downstream">The downstream.</param>
    /// <param name="action">The verdict action of the relayed copy.</param>
    public static DownstreamState StateOf(IReadOnlyDictionary<string, string> metadata, Downstream downstream, VerdictAction action)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        if (!metadata.TryGetValue(KeyOf(downstream, action), out var value))
        {
            return DownstreamState.Pending;
        }

        return value.StartsWith(DeliveredWord, StringComparison.Ordinal) ? DownstreamState.Delivered
            : value.StartsWith(RefusedWord, StringComparison.Ordinal) ? DownstreamState.Refused
            : value.StartsWith(PartlyRefusedWord, StringComparison.Ordinal) ? DownstreamState.PartlyRefused
            : DownstreamState.Pending;
    }

    /// <summary>The metadata value recording that a downstream accepted the mail.</summary>
    /// <param name="downstream">The downstream.</param>
    /// <param name="reply">Its reply to the data.</param>
    public static string Delivered(Downstream downstream, string reply) =>
        MailMetadata.Sanitize($"{DeliveredWord} {downstream.Host}:{downstream.Port} {reply}");

    /// <summary>
    /// The metadata value recording that a downstream took the mail for some recipients and refused it for good for
    /// the others; it is also the refusal's description in the mail's dead-letter reason.
    /// </summary>
    /// <param name="downstream">The downstream.</param>
    /// <param name="result">What it answered.</param>
    public static string PartlyRefused(Downstream downstream, SmtpRelayResult result)
    {
        ArgumentNullException.ThrowIfNull(downstream);
        ArgumentNullException.ThrowIfNull(result);
        var refusals = string.Join(", ", result.RefusedRecipients.Select(r => $"{r.Recipient} {r.StatusCode} {r.Reply}"));
        return MailMetadata.Sanitize($"{PartlyRefusedWord} {downstream.Host}:{downstream.Port} refused {refusals}; took the others: {result.Reply}");
    }

    /// <summary>The metadata value recording that a downstream refused the mail for good.</summary>
    /// <param name="failure">The refusal.</param>
    public static string Refused(PermanentRelayException failure) =>
        MailMetadata.Sanitize($"{RefusedWord} {failure.Downstream} {failure.StatusCode} {failure.Reply}");
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
}
