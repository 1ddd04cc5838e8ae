using Azure.Storage.Blobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Cli.Local;

/// <summary>
/// The local stand-in for the Event Grid blob trigger of <c>PublishUploadedPatternSet</c>: each new or changed blob
/// under <c>patterns/uploads/</c> goes to <see cref="PatternReleaseService.ProcessUploadAsync"/>, the upload door.
/// </summary>
internal sealed partial class UploadWatcher(BlobServiceClient blobs, PipelineContainers containers, PatternReleaseService release, TimeProvider timeProvider, LocalStackOptions options, ILogger<UploadWatcher> logger)
    : BackgroundService
{
    private readonly Dictionary<string, Azure.ETag> processed = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var patterns = blobs.GetBlobContainerClient(containers.Patterns);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (await patterns.ExistsAsync(stoppingToken))
                {
                    await foreach (var blob in patterns.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, ReleaseDocuments.UploadsFolder, stoppingToken))
                    {
                        var etag = blob.Properties.ETag ?? default;
                        if (processed.TryGetValue(blob.Name, out var seen) && seen == etag)
                        {
                            continue;
                        }

                        try
                        {
                            await release.ProcessUploadAsync(blob.Name, stoppingToken);
                            processed[blob.Name] = etag;
                        }
                        catch (Exception exception) when (exception is not OperationCanceledException)
                        {
                            LogUploadFailed(logger, exception, blob.Name);
                        }
                    }
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Storage down (Azurite restarting): an unhandled exception here would stop the whole host.
                LogPollFailed(logger, exception);
            }

            await Task.Delay(options.BlobPollInterval * 5, timeProvider, stoppingToken);
        }
    }

    [LoggerMessage(EventId = 907, Level = LogLevel.Warning, Message = "Listing uploads failed; they are listed again at the next poll")]
    private static partial void LogPollFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 902, Level = LogLevel.Error, Message = "Publishing upload {BlobName} failed; it is tried again at the next poll")]
    private static partial void LogUploadFailed(ILogger logger, Exception exception, string blobName);
}
