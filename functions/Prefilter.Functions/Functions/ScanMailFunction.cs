using Azure.Storage.Blobs;
using Microsoft.Azure.Functions.Worker;
using Prefilter.Pipeline.Scanning;

namespace Prefilter.Functions.Functions;

/// <summary>Scans each mail blob written to <c>incoming/</c>.</summary>
/// <param name="scanStage">The scan stage.</param>
public sealed class ScanMailFunction(ScanStage scanStage)
{
    /// <summary>The function name; the Event Grid subscription in infra/modules/eventsubscriptions.bicep calls it by this name.</summary>
    public const string Name = "ScanMail";

    /// <summary>Hands the blob to the scan stage; a failure makes the host retry, and the reconciler catches what is left.</summary>
    /// <param name="blob">The new blob (not downloaded here: the stage reads it).</param>
    /// <param name="cancellationToken">Host shutdown.</param>
    [Function(Name)]
    public Task RunAsync(
        [BlobTrigger("incoming/{name}", Source = BlobTriggerSource.EventGrid, Connection = "Storage")] BlobClient blob,
        CancellationToken cancellationToken) =>
        scanStage.ScanAsync(blob.Name, cancellationToken);
}
