using Azure.Storage.Blobs;

namespace Prefilter.Pipeline.Storage;

/// <summary>One-time set-up of the storage account for the pipeline (<c>prefilter up</c>, deployment checks).</summary>
public static class PipelineStorage
{
    /// <summary>Creates every pipeline container that does not exist yet. Idempotent.</summary>
    /// <param name="blobs">The storage account.</param>
    /// <param name="containers">Container names.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    public static async Task EnsureContainersAsync(BlobServiceClient blobs, PipelineContainers containers, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(containers);
        foreach (var name in containers.All)
        {
            await blobs.GetBlobContainerClient(name).CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }
}
