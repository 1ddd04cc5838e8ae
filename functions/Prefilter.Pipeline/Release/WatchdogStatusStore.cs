using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// The watchdog's last decision, <c>watchdog/status.json</c> in the patterns container, for status pages
/// (<c>GET /api/patterns</c>, <c>prefilter status</c>): what it saw, what it did, and why, including runs that changed
/// nothing (waiting for samples, baking). Rollbacks are also in <c>state.json</c>'s history and the audit trail.
/// </summary>
public sealed class WatchdogStatusStore
{
    /// <summary>Blob name of the status document.</summary>
    public const string StatusBlobName = "watchdog/status.json";

    private readonly BlobContainerClient patterns;

    /// <summary>Creates the store.</summary>
    /// <param name="blobs">The storage account.</param>
    /// <param name="containers">Container names.</param>
    public WatchdogStatusStore(BlobServiceClient blobs, PipelineContainers containers)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(containers);
        patterns = blobs.GetBlobContainerClient(containers.Patterns);
    }

    /// <summary>Replaces the status with a decision.</summary>
    /// <param name="decision">The latest decision.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <exception cref="RequestFailedException">Storage failed.</exception>
    public async Task WriteAsync(WatchdogDecision decision, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(decision);
        await patterns.GetBlobClient(StatusBlobName).UploadAsync(
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(decision, ReleaseJson.Options)),
            new BlobUploadOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" } },
            cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The latest decision; null before the first run.</summary>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="JsonException">The document is not a decision.</exception>
    /// <exception cref="RequestFailedException">Storage failed.</exception>
    public async Task<WatchdogDecision?> ReadAsync(CancellationToken cancellationToken = default)
    {
        try
        {
            var content = (await patterns.GetBlobClient(StatusBlobName).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            return JsonSerializer.Deserialize<WatchdogDecision>(content.ToMemory().Span, ReleaseJson.Options);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }
    }
}
