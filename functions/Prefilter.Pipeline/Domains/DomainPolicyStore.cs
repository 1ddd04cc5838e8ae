using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Domains;

/// <summary>Reads and writes <c>config/domains.json</c> with ETags.</summary>
public sealed class DomainPolicyStore
{
    /// <summary>Blob name of the policy in the config container.</summary>
    public const string BlobName = "domains.json";

    private readonly BlobContainerClient config;

    /// <summary>Creates the store.</summary>
    /// <param name="blobs">The storage account.</param>
    /// <param name="containers">Container names.</param>
    public DomainPolicyStore(BlobServiceClient blobs, PipelineContainers containers)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(containers);
        config = blobs.GetBlobContainerClient(containers.Config);
    }

    /// <summary>Reads the policy.</summary>
    /// <param name="ifNoneMatch">The ETag already held; when unchanged the result is <see cref="DomainPolicyRead.NotModified"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The policy and its ETag, <see cref="DomainPolicyRead.NotModified"/>, or null when no document exists.</returns>
    /// <exception cref="DomainPolicyFormatException">The document is malformed.</exception>
    /// <exception cref="RequestFailedException">Storage failed.</exception>
    public async Task<DomainPolicyRead?> ReadAsync(ETag? ifNoneMatch = null, CancellationToken cancellationToken = default)
    {
        try
        {
            var response = await config.GetBlobClient(BlobName).DownloadContentAsync(
                new BlobDownloadOptions { Conditions = ifNoneMatch is { } etag ? new BlobRequestConditions { IfNoneMatch = etag } : null },
                cancellationToken).ConfigureAwait(false);

            // A conditional GET answered 304 comes back as a response without a value, not as an exception.
            if (response.GetRawResponse().Status == 304)
            {
                return DomainPolicyRead.NotModified;
            }

            var result = response.Value;
            return new DomainPolicyRead(DomainPolicy.Parse(result.Content.ToMemory().Span), result.Details.ETag);
        }
        catch (RequestFailedException exception) when (exception.Status == 304)
        {
            return DomainPolicyRead.NotModified;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Writes the policy, creating the container when needed.</summary>
    /// <param name="policy">The policy.</param>
    /// <param name="ifMatch">The ETag read before the change; null to create a document that must not exist yet.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The new ETag.</returns>
    /// <exception cref="RequestFailedException">412/409: the document changed (or exists) since it was read.</exception>
    public async Task<ETag> WriteAsync(DomainPolicy policy, ETag? ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(policy);
        await config.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var response = await config.GetBlobClient(BlobName).UploadAsync(
            BinaryData.FromBytes(policy.ToUtf8Json()),
            new BlobUploadOptions
            {
                Conditions = ifMatch is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All },
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            },
            cancellationToken).ConfigureAwait(false);
        return response.Value.ETag;
    }
}

/// <summary>A read of <c>domains.json</c>.</summary>
/// <param name="Policy">The parsed policy; null for <see cref="NotModified"/>.</param>
/// <param name="ETag">Its ETag.</param>
public sealed record DomainPolicyRead(DomainPolicy? Policy, ETag ETag)
{
    /// <summary>The document has not changed since the ETag the caller holds.</summary>
    public static DomainPolicyRead NotModified { get; } = new(null, default);
}
