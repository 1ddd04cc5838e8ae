using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Prefilter.Pipeline.Addressing;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Storage;

/// <summary>
/// Mail blobs in the incoming container, with their SMTP envelope, and their outcome.
/// </summary>
/// <remarks>
/// <para>The envelope is stored as UTF-8 JSON (<c>{"mailFrom":…,"rcptTo":[…]}</c>). Blob metadata is ASCII and
/// limited to 8 KB, so the JSON goes base64-encoded into <see cref="MailMetadata.Envelope"/> when that takes at most
/// <see cref="MailMetadata.MaxInlineEnvelopeLength"/> characters (a few dozen recipients); otherwise it is written
/// first to a companion blob <c>{name}.envelope.json</c> named in <see cref="MailMetadata.EnvelopeBlob"/>. Either way
/// non-ASCII (SMTPUTF8) addresses survive unchanged. Companion blobs do not end in <c>.eml</c> and are never scanned.</para>
/// <para>Every write is conditional: new blobs with <c>If-None-Match: *</c> (no overwrite, no exists-then-write
/// race), outcomes with <c>If-Match</c> on the ETag the caller read.</para>
/// </remarks>
public sealed class MailStore
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private readonly BlobContainerClient incoming;
    private readonly BlobContainerClient quarantine;
    private readonly TimeProvider timeProvider;

    /// <summary>Creates the store.</summary>
    /// <param name="blobs">The storage account.</param>
    /// <param name="containers">Container names.</param>
    /// <param name="timeProvider">Clock for arrival times and names.</param>
    public MailStore(BlobServiceClient blobs, PipelineContainers containers, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(containers);
        incoming = blobs.GetBlobContainerClient(containers.Incoming);
        quarantine = blobs.GetBlobContainerClient(containers.Quarantine);
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
    }

    /// <summary>Creates the incoming and quarantine containers when missing.</summary>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public async Task EnsureContainersAsync(CancellationToken cancellationToken = default)
    {
        await incoming.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        await quarantine.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stores an accepted mail with its envelope under a new unique name.</summary>
    /// <param name="content">The raw RFC 822 bytes, exactly as received.</param>
    /// <param name="envelope">The SMTP envelope (or the HTTP ingest's equivalent).</param>
    /// <param name="ingress">Which door accepted it (<c>smtp</c>, <c>http</c>, <c>submit</c>); recorded for counting.</param>
    /// <param name="cancellationToken">Cancels the upload; a cancelled store may leave a companion envelope without its mail, never the reverse.</param>
    /// <returns>The stored blob's state right after the upload.</returns>
    /// <exception cref="RequestFailedException">Storage refused the upload (e.g. the name already exists: 409).</exception>
    public async Task<MailBlobInfo> StoreAsync(BinaryData content, MailEnvelope envelope, string ingress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        ArgumentNullException.ThrowIfNull(envelope);
        ArgumentException.ThrowIfNullOrWhiteSpace(ingress);

        var receivedAt = timeProvider.GetUtcNow();
        var name = MailBlobName.Create(receivedAt);
        using var activity = PipelineActivities.StartIngress(ingress, content.ToMemory().Length, envelope.Recipients.Count);
        activity?.SetTag(TelemetryAttributes.MailId, name);
        var metadata = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            [MailMetadata.Received] = receivedAt.UtcDateTime.ToString("O", CultureInfo.InvariantCulture),
            [MailMetadata.Ingress] = MailMetadata.Sanitize(ingress),
        };
        MailTraceContext.Inject(activity, metadata);

        var envelopeJson = JsonSerializer.SerializeToUtf8Bytes(EnvelopeDocument.From(envelope), Json);
        var inline = Convert.ToBase64String(envelopeJson);
        if (inline.Length <= MailMetadata.MaxInlineEnvelopeLength)
        {
            metadata[MailMetadata.Envelope] = inline;
        }
        else
        {
            // The companion goes first: once the mail blob exists (and its BlobCreated event fires) the envelope must be readable.
            var companion = MailBlobName.EnvelopeOf(name);
            await incoming.GetBlobClient(companion).UploadAsync(
                BinaryData.FromBytes(envelopeJson),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                },
                cancellationToken).ConfigureAwait(false);
            metadata[MailMetadata.EnvelopeBlob] = companion;
        }

        var response = await incoming.GetBlobClient(name).UploadAsync(
            content,
            new BlobUploadOptions
            {
                Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                HttpHeaders = new BlobHttpHeaders { ContentType = "message/rfc822" },
                Metadata = metadata,
            },
            cancellationToken).ConfigureAwait(false);

        return new MailBlobInfo
        {
            Name = name,
            ETag = response.Value.ETag,
            CreatedOn = response.Value.LastModified,
            Length = content.ToMemory().Length,
            Metadata = metadata,
        };
    }

    /// <summary>Reads a mail, its envelope and its blob state in one consistent read.</summary>
    /// <param name="blobName">Name in the incoming container.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <exception cref="MailNotFoundException">The mail or its companion envelope does not exist.</exception>
    /// <exception cref="MailEnvelopeException">The blob carries no envelope, or a malformed one.</exception>
    public Task<StoredMail> DownloadAsync(string blobName, CancellationToken cancellationToken = default) =>
        DownloadAsync(blobName, long.MaxValue, cancellationToken);

    /// <summary>
    /// Reads a mail, its envelope and its blob state in one request; the content only when it is at most
    /// <paramref name="maxContentBytes"/> long, so an oversized mail is never loaded into memory.
    /// </summary>
    /// <param name="blobName">Name in the incoming container.</param>
    /// <param name="maxContentBytes">Largest content to load; a longer mail comes back with empty <see cref="StoredMail.Content"/> (its <see cref="MailBlobInfo.Length"/> tells).</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <exception cref="MailNotFoundException">The mail or its companion envelope does not exist.</exception>
    /// <exception cref="MailEnvelopeException">The blob carries no envelope, or a malformed one.</exception>
    public async Task<StoredMail> DownloadAsync(string blobName, long maxContentBytes, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        MailBlobInfo info;
        BinaryData content;
        try
        {
            using var result = (await incoming.GetBlobClient(blobName).DownloadStreamingAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            info = new MailBlobInfo
            {
                Name = blobName,
                ETag = result.Details.ETag,
                CreatedOn = result.Details.CreatedOn,
                Length = result.Details.ContentLength,
                Metadata = new Dictionary<string, string>(result.Details.Metadata, StringComparer.OrdinalIgnoreCase),
            };

            // Headers arrive before the body: an oversized body is dropped unread.
            content = info.Length <= maxContentBytes
                ? await BinaryData.FromStreamAsync(result.Content, cancellationToken).ConfigureAwait(false)
                : BinaryData.Empty;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            throw new MailNotFoundException(blobName, exception);
        }

        var envelope = await ReadEnvelopeAsync(info, cancellationToken).ConfigureAwait(false);
        return new StoredMail(info, content, envelope);
    }

    /// <summary>Reads a mail's blob state without its content.</summary>
    /// <param name="blobName">Name in the incoming container.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="MailNotFoundException">The mail does not exist.</exception>
    public async Task<MailBlobInfo> GetInfoAsync(string blobName, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(blobName);
        try
        {
            var properties = (await incoming.GetBlobClient(blobName).GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            return new MailBlobInfo
            {
                Name = blobName,
                ETag = properties.ETag,
                CreatedOn = properties.CreatedOn,
                Length = properties.ContentLength,
                Metadata = new Dictionary<string, string>(properties.Metadata, StringComparer.OrdinalIgnoreCase),
            };
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            throw new MailNotFoundException(blobName, exception);
        }
    }

    /// <summary>Reads the envelope stored with a mail, from its metadata or its companion blob.</summary>
    /// <param name="info">The mail's blob state.</param>
    /// <param name="cancellationToken">Cancels the read of a companion blob.</param>
    /// <exception cref="MailNotFoundException">The companion envelope blob is missing.</exception>
    /// <exception cref="MailEnvelopeException">No envelope is stored with the mail, or it is malformed.</exception>
    public async Task<MailEnvelope> ReadEnvelopeAsync(MailBlobInfo info, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        byte[] json;
        if (info.Metadata.TryGetValue(MailMetadata.Envelope, out var inline))
        {
            try
            {
                json = Convert.FromBase64String(inline);
            }
            catch (FormatException)
            {
                throw new MailEnvelopeException(null, $"metadata {MailMetadata.Envelope} of '{info.Name}' is not base64");
            }
        }
        else if (info.Metadata.TryGetValue(MailMetadata.EnvelopeBlob, out var companion))
        {
            try
            {
                json = (await incoming.GetBlobClient(companion).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content.ToArray();
            }
            catch (RequestFailedException exception) when (exception.Status == 404)
            {
                throw new MailNotFoundException(companion, exception);
            }
        }
        else
        {
            throw new MailEnvelopeException(null, $"mail blob '{info.Name}' carries no SMTP envelope (neither {MailMetadata.Envelope} nor {MailMetadata.EnvelopeBlob})");
        }

        EnvelopeDocument? document;
        try
        {
            document = JsonSerializer.Deserialize<EnvelopeDocument>(json, Json);
        }
        catch (JsonException exception)
        {
            throw new MailEnvelopeException(null, $"envelope of '{info.Name}' is not valid JSON: {exception.Message}");
        }

        if (document?.RcptTo is null)
        {
            throw new MailEnvelopeException(null, $"envelope of '{info.Name}' has no rcptTo list");
        }

        return new MailEnvelope(document.MailFrom ?? "", document.RcptTo);
    }

    /// <summary>
    /// Records an outcome on the mail blob, only if the blob is unchanged since <paramref name="current"/> was read.
    /// Other metadata (envelope, earlier verdict) is kept.
    /// </summary>
    /// <param name="current">The blob state as read; its ETag is the condition.</param>
    /// <param name="record">The outcome.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The blob state after the write (new ETag).</returns>
    /// <exception cref="MailOutcomeConflictException">The blob changed since it was read (HTTP 412): read again and decide.</exception>
    /// <exception cref="MailNotFoundException">The blob no longer exists.</exception>
    public async Task<MailBlobInfo> RecordOutcomeAsync(MailBlobInfo current, MailOutcomeRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(record);
        var metadata = MailMetadata.WithOutcome(current.Metadata, record);
        try
        {
            var response = await incoming.GetBlobClient(current.Name).SetMetadataAsync(
                metadata,
                new BlobRequestConditions { IfMatch = current.ETag },
                cancellationToken).ConfigureAwait(false);
            return current with { ETag = response.Value.ETag, Metadata = metadata };
        }
        catch (RequestFailedException exception) when (exception.Status == 412)
        {
            throw new MailOutcomeConflictException(current.Name, current.ETag, exception);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            throw new MailNotFoundException(current.Name, exception);
        }
    }

    /// <summary>
    /// Copies a mail to the quarantine container under the same name, with its metadata (envelope included).
    /// Idempotent: an existing copy is left as it is.
    /// </summary>
    /// <param name="mail">The mail as downloaded; with empty content (read over the scan cap) the blob is streamed from incoming.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task QuarantineAsync(StoredMail mail, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var metadata = new Dictionary<string, string>(mail.Info.Metadata, StringComparer.OrdinalIgnoreCase);
        if (metadata.Remove(MailMetadata.EnvelopeBlob))
        {
            // The companion stays in incoming; quarantine keeps a self-contained copy of the envelope instead.
            var companion = MailBlobName.EnvelopeOf(mail.Info.Name);
            metadata[MailMetadata.EnvelopeBlob] = companion;
            await UploadIfAbsentAsync(quarantine.GetBlobClient(companion), BinaryData.FromObjectAsJson(EnvelopeDocument.From(mail.Envelope), Json).ToStream(), null, cancellationToken).ConfigureAwait(false);
        }

        if (mail.Content.ToMemory().Length == 0 && mail.Info.Length > 0)
        {
            // Read without its content (over the scan cap): stream it across instead of holding it in memory.
            using var source = await incoming.GetBlobClient(mail.Info.Name).OpenReadAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await UploadIfAbsentAsync(quarantine.GetBlobClient(mail.Info.Name), source, metadata, cancellationToken).ConfigureAwait(false);
            return;
        }

        await UploadIfAbsentAsync(quarantine.GetBlobClient(mail.Info.Name), mail.Content.ToStream(), metadata, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>True when a quarantine copy of the mail exists.</summary>
    /// <param name="blobName">The mail's name.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task<bool> IsQuarantinedAsync(string blobName, CancellationToken cancellationToken = default) =>
        (await quarantine.GetBlobClient(blobName).ExistsAsync(cancellationToken).ConfigureAwait(false)).Value;

    /// <summary>Lists the mail blobs (not companions) whose names start with a prefix, with their metadata.</summary>
    /// <param name="prefix">A name prefix such as <see cref="MailBlobName.DayPrefix"/>; empty lists everything.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public async IAsyncEnumerable<MailBlobInfo> ListAsync(string prefix, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in incoming.GetBlobsAsync(BlobTraits.Metadata, BlobStates.None, prefix, cancellationToken).ConfigureAwait(false))
        {
            if (!MailBlobName.IsMail(item.Name))
            {
                continue;
            }

            yield return new MailBlobInfo
            {
                Name = item.Name,
                ETag = item.Properties.ETag ?? default,
                CreatedOn = item.Properties.CreatedOn ?? item.Properties.LastModified ?? DateTimeOffset.MinValue,
                Length = item.Properties.ContentLength ?? 0,
                Metadata = new Dictionary<string, string>(item.Metadata ?? new Dictionary<string, string>(), StringComparer.OrdinalIgnoreCase),
            };
        }
    }

    private static async Task UploadIfAbsentAsync(BlobClient blob, Stream content, IDictionary<string, string>? metadata, CancellationToken cancellationToken)
    {
        try
        {
            await blob.UploadAsync(
                content,
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All }, Metadata = metadata },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            // Already copied by an earlier attempt: the content is the same mail.
        }
    }

    private sealed record EnvelopeDocument(
        [property: JsonPropertyName("mailFrom")] string? MailFrom,
        [property: JsonPropertyName("rcptTo")] IReadOnlyList<string>? RcptTo)
    {
        public static EnvelopeDocument From(MailEnvelope envelope) => new(envelope.MailFrom, envelope.Recipients);
    }
}
