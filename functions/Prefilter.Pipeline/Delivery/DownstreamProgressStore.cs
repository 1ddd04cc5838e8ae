using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Writes <see cref="DownstreamProgress"/> on a mail blob as its marker (<see cref="DownstreamProgressMarker"/>), with
/// the same rule as <see cref="MailStore.RecordOutcomeAsync"/>: only if the blob is unchanged since it was read
/// (<c>If-Match</c>), keeping every other metadata entry.
/// </summary>
public sealed class DownstreamProgressStore
{
    private readonly BlobContainerClient incoming;

    /// <summary>Creates the store.</summary>
    /// <param name="blobs">The storage account.</param>
    /// <param name="containers">Container names.</param>
    public DownstreamProgressStore(BlobServiceClient blobs, PipelineContainers containers)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(containers);
        incoming = blobs.GetBlobContainerClient(containers.Incoming);
    }

    /// <summary>Records one relay's progress on the mail blob.</summary>
    /// <param name="current">The blob state as read; its ETag is the condition.</param>
    /// <param name="downstream">The downstream the marker is about.</param>
    /// <param name="action">The verdict action of the relayed copy.</param>
    /// <param name="progress">The relay's progress after this attempt; not <see cref="DownstreamProgress.Pending"/>.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>The blob state after the write.</returns>
    /// <exception cref="MailOutcomeConflictException">The blob changed since it was read: read it again and merge.</exception>
    /// <exception cref="MailNotFoundException">The blob no longer exists.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="progress"/> is pending: no marker records that.</exception>
    public async Task<MailBlobInfo> RecordAsync(MailBlobInfo current, Downstream downstream, VerdictAction action, DownstreamProgress progress, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(downstream);
        ArgumentNullException.ThrowIfNull(progress);
        var metadata = new Dictionary<string, string>(current.Metadata, StringComparer.OrdinalIgnoreCase)
        {
            [DownstreamProgressMarker.KeyOf(downstream, action)] = DownstreamProgressMarker.Format(progress),
        };
        try
        {
            var response = await incoming.GetBlobClient(current.Name).SetMetadataAsync(
                metadata, new BlobRequestConditions { IfMatch = current.ETag }, cancellationToken).ConfigureAwait(false);
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
}
