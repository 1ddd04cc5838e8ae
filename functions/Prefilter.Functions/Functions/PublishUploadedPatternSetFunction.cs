using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Prefilter.Pipeline.Release;

namespace Prefilter.Functions.Functions;

/// <summary>The upload door: a pattern set written under <c>patterns/uploads/</c> is published like any other.</summary>
/// <param name="release">The release service; it writes the outcome beside the upload.</param>
public sealed class PublishUploadedPatternSetFunction(PatternReleaseService release)
{
    /// <summary>The function name; the Event Grid subscription in infra/modules/eventsubscriptions.bicep calls it by this name.</summary>
    public const string Name = "PublishUploadedPatternSet";

    /// <summary>Publishes the upload and records the outcome in <c>patterns/upload-results/</c>.</summary>
    /// <param name="blob">The uploaded set.</param>
    /// <param name="cancellationToken">Host shutdown.</param>
    [Function(Name)]
    public Task RunAsync(
        [BlobTrigger("patterns/uploads/{name}", Source = BlobTriggerSource.EventGrid, Connection = "Storage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        release.ProcessUploadAsync(blob.Name, cancellationToken);
}
