using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Messaging.ServiceBus;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Scanning;

namespace Prefilter.Pipeline.Messaging;

/// <summary>
/// The message on the <c>deliver</c> queue: a reference to the mail blob and its verdict, never the mail itself,
/// so even a 50 MB mail makes a message of a few hundred bytes (far below the 256 KB Standard limit).
/// </summary>
/// <remarks>
/// The <see cref="ServiceBusMessage.MessageId"/> is <see cref="MessageIdFor"/>(blob name, ETag at scan time): a second
/// scan of the same, unchanged blob (a duplicate BlobCreated event, the reconciler) sends the same id, and the
/// queue's duplicate detection drops it. Delivery must still check the blob's outcome before relaying, because
/// duplicate detection only covers its time window.
/// </remarks>
public sealed record ClaimCheck
{
    /// <summary>Content type of the message body (UTF-8 JSON).</summary>
    public const string ContentType = "application/vnd.prefilter.claim-check+json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false) },
    };

    /// <summary>Name of the mail blob in the incoming container.</summary>
    public required string BlobName { get; init; }

    /// <summary>The blob's ETag when it was scanned. Outcome writes change the ETag, so use it to identify the scan, not as a download condition.</summary>
    public required string ETag { get; init; }

    /// <summary>The verdict: action under the set's thresholds, score, rules, set digest, incomplete reason.</summary>
    public required ScanVerdict Verdict { get; init; }

    /// <summary>
    /// The action per recipient domain (lowercase ASCII), after each domain's threshold override. Delivery relays only
    /// the recipients of domains whose action is not <see cref="VerdictAction.Quarantine"/>, and stamps headers with their action.
    /// </summary>
    public required IReadOnlyDictionary<string, VerdictAction> DomainVerdicts { get; init; }

    /// <summary>Where the envelope is: null when in the blob's metadata, else the companion blob's name in the incoming container. <c>MailStore.DownloadAsync</c> resolves both.</summary>
    public string? EnvelopeBlobName { get; init; }

    /// <summary>When the scan stage sent this.</summary>
    public required DateTimeOffset ScannedAt { get; init; }

    /// <summary>The stable message id for a scan of a blob: a hash of its name and ETag, so equal scans get equal ids.</summary>
    /// <param name="blobName">The mail blob.</param>
    /// <param name="etag">Its ETag when scanned.</param>
    public static string MessageIdFor(string blobName, ETag etag)
    {
        ArgumentNullException.ThrowIfNull(blobName);
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{blobName}\n{etag}"));
        return "mail-" + Convert.ToHexStringLower(hash.AsSpan(0, 20));
    }

    /// <summary>The Service Bus message for this claim check, with its stable id.</summary>
    public ServiceBusMessage ToMessage() => new(BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(this, Json)))
    {
        MessageId = MessageIdFor(BlobName, new ETag(ETag)),
        ContentType = ContentType,
        Subject = BlobName.Length <= 128 ? BlobName : BlobName[..128],
        ApplicationProperties = { ["verdict"] = Verdict.Action.ToString() },
    };

    /// <summary>Reads a claim check from a message body.</summary>
    /// <param name="body">The message body.</param>
    /// <exception cref="ClaimCheckFormatException">The body is not a claim check; not retryable, dead-letter it.</exception>
    public static ClaimCheck Parse(BinaryData body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            var check = JsonSerializer.Deserialize<ClaimCheck>(body.ToMemory().Span, Json)
                ?? throw new ClaimCheckFormatException("the body is JSON null");
            return string.IsNullOrEmpty(check.BlobName) || check.Verdict is null || check.DomainVerdicts is null
                ? throw new ClaimCheckFormatException("blobName, verdict and domainVerdicts are required")
                : check;
        }
        catch (JsonException exception)
        {
            throw new ClaimCheckFormatException(exception.Message, exception);
        }
    }
}

/// <summary>A message on the deliver queue is not a valid claim check. Not retryable: dead-letter it with this reason.</summary>
public sealed class ClaimCheckFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">What is wrong.</param>
    /// <param name="innerException">The parser's error.</param>
    public ClaimCheckFormatException(string reason, Exception? innerException = null)
        : base($"not a claim check: {reason}", innerException)
    {
        Reason = reason;
    }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}
