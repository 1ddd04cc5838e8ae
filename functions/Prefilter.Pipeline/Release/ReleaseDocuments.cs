using System.Globalization;
using System.Text.Json;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Prefilter.Engine.Gating;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// The release's documents in the patterns container, beside what <see cref="PatternStore"/> keeps:
/// <c>sets/{version}/gate-report.json</c>, <c>releases/{id}.json</c>, <c>audit/…</c>, <c>uploads/…</c> (read) and <c>upload-results/…</c>.
/// </summary>
public sealed class ReleaseDocuments
{
    /// <summary>Folder operators upload pattern sets to (the upload trigger watches it).</summary>
    public const string UploadsFolder = "uploads/";

    /// <summary>Folder of upload outcomes: outside <see cref="UploadsFolder"/>, so writing one never triggers an upload.</summary>
    public const string UploadResultsFolder = "upload-results/";

    /// <summary>Folder of the append-only audit records.</summary>
    public const string AuditFolder = "audit/";

    /// <summary>Folder of the release documents (<see cref="PatternRelease"/>).</summary>
    public const string ReleasesFolder = "releases/";

    private const string GateReportFileName = "gate-report.json";

    // Versions are stored under sets/{version}/.
    private static readonly string SetsPrefix = PatternStore.SetBlobName("v")[..^"v/set.json".Length];

    private readonly BlobContainerClient patterns;
    private readonly PatternStore store;

    /// <summary>Creates the accessor.</summary>
    /// <param name="blobs">The storage account.</param>
    /// <param name="containers">Container names.</param>
    /// <param name="store">The pattern store (digest-checked set reads).</param>
    public ReleaseDocuments(BlobServiceClient blobs, PipelineContainers containers, PatternStore store)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(containers);
        patterns = blobs.GetBlobContainerClient(containers.Patterns);
        this.store = store ?? throw new ArgumentNullException(nameof(store));
    }

    /// <summary>Blob name of a version's gate report.</summary>
    /// <param name="version">A valid version label.</param>
    /// <exception cref="ArgumentException">The label is not a valid version.</exception>
    public static string GateReportBlobName(string version) =>
        PatternStore.SetBlobName(version)[..^"set.json".Length] + GateReportFileName;

    /// <summary>Blob name of the outcome of an upload.</summary>
    /// <param name="uploadBlobName">The upload, <c>uploads/{name}</c>.</param>
    /// <exception cref="ArgumentException">The name is not under <see cref="UploadsFolder"/>.</exception>
    public static string UploadResultBlobName(string uploadBlobName) =>
        $"{UploadResultsFolder}{UploadRelativeName(uploadBlobName)}.json";

    /// <summary>Stores the gate's report beside the version (the latest run replaces an earlier one).</summary>
    /// <param name="version">The version.</param>
    /// <param name="report">The report.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task WriteGateReportAsync(string version, GateReport report, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(report);
        await WriteJsonAsync(GateReportBlobName(version), report, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a version's gate report.</summary>
    /// <param name="version">The version.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The report, or null when the version was never gated (or is not stored).</returns>
    public Task<GateReport?> ReadGateReportAsync(string version, CancellationToken cancellationToken = default) =>
        ReadJsonAsync<GateReport>(GateReportBlobName(version), cancellationToken);

    /// <summary>Blob name of a release document.</summary>
    /// <param name="releaseId">A release id.</param>
    /// <exception cref="ArgumentException">The id is not a release id.</exception>
    public static string ReleaseBlobName(string releaseId) => PatternRelease.IsValidId(releaseId)
        ? $"{ReleasesFolder}{releaseId}.json"
        : throw new ArgumentException($"'{releaseId}' is not a release id (32 lower-case hex digits)", nameof(releaseId));

    /// <summary>Writes a release document (replacing the earlier status of the same release).</summary>
    /// <param name="release">The release.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task WriteReleaseAsync(PatternRelease release, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(release);
        await WriteJsonAsync(ReleaseBlobName(release.Id), release, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads a release document.</summary>
    /// <param name="releaseId">The release id.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The release, or null when there is none by that id.</returns>
    /// <exception cref="ArgumentException">The id is not a release id.</exception>
    public Task<PatternRelease?> ReadReleaseAsync(string releaseId, CancellationToken cancellationToken = default) =>
        ReadJsonAsync<PatternRelease>(ReleaseBlobName(releaseId), cancellationToken);

    /// <summary>The gate report written last, of any version (refused ones included).</summary>
    /// <param name="cancellationToken">Cancels the listing and the read.</param>
    /// <returns>The report with its version and when it was written; null before the first gate run.</returns>
    public async Task<StoredGateReport?> ReadNewestGateReportAsync(CancellationToken cancellationToken = default)
    {
        BlobItem? newest = null;
        await foreach (var blob in patterns.GetBlobsAsync(BlobTraits.None, BlobStates.None, SetsPrefix, cancellationToken).ConfigureAwait(false))
        {
            if (blob.Name.EndsWith("/" + GateReportFileName, StringComparison.Ordinal) && (newest is null || blob.Properties.LastModified > newest.Properties.LastModified))
            {
                newest = blob;
            }
        }

        if (newest?.Properties.LastModified is not { } at || await ReadJsonAsync<GateReport>(newest.Name, cancellationToken).ConfigureAwait(false) is not { } report)
        {
            return null;
        }

        return new StoredGateReport(newest.Name[SetsPrefix.Length..^(GateReportFileName.Length + 1)], at, report);
    }

    /// <summary>Writes the outcome of an upload to <see cref="UploadResultBlobName"/> (replacing an earlier one).</summary>
    /// <param name="result">The outcome.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task WriteUploadResultAsync(UploadResult result, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(result);
        await WriteJsonAsync(UploadResultBlobName(result.Upload), result, overwrite: true, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the outcome of an upload.</summary>
    /// <param name="uploadBlobName">The upload, <c>uploads/{name}</c>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The outcome, or null when none was written yet.</returns>
    public Task<UploadResult?> ReadUploadResultAsync(string uploadBlobName, CancellationToken cancellationToken = default) =>
        ReadJsonAsync<UploadResult>(UploadResultBlobName(uploadBlobName), cancellationToken);

    /// <summary>Appends an audit record under a new name; never overwrites one.</summary>
    /// <param name="record">The record.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The blob name written.</returns>
    /// <remarks>Internal: records are derived from history entries by <see cref="ReleaseStateCommitter"/>.</remarks>
    internal async Task<string> AppendAuditAsync(ReleaseAuditRecord record, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(record);

        // Timestamp first so names sort by time; a random tail keeps two records of the same instant apart.
        var name = $"{AuditFolder}{record.At.UtcDateTime.ToString("yyyyMMdd'T'HHmmssfffffff'Z'", CultureInfo.InvariantCulture)}-{record.Action.ToWord()}-{Guid.NewGuid().ToString("N")[..8]}.json";
        await WriteJsonAsync(name, record, overwrite: false, cancellationToken).ConfigureAwait(false);
        return name;
    }

    /// <summary>The newest audit records, newest first.</summary>
    /// <param name="count">At most this many.</param>
    /// <param name="cancellationToken">Cancels the listing and reads.</param>
    public async Task<IReadOnlyList<ReleaseAuditRecord>> ReadAuditAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var names = new List<string>();
        await foreach (var blob in patterns.GetBlobsAsync(BlobTraits.None, BlobStates.None, AuditFolder, cancellationToken).ConfigureAwait(false))
        {
            names.Add(blob.Name);
        }

        var records = new List<ReleaseAuditRecord>();
        foreach (var name in names.OrderDescending(StringComparer.Ordinal).Take(count))
        {
            if (await ReadJsonAsync<ReleaseAuditRecord>(name, cancellationToken).ConfigureAwait(false) is { } record)
            {
                records.Add(record);
            }
        }

        return records;
    }

    /// <summary>
    /// The stored version <paramref name="version"/>, checked: its content must hash to the digest recorded when it was
    /// stored (or to <paramref name="expectedDigest"/> when the caller knows it) and carry its own version label.
    /// </summary>
    /// <param name="version">The version label.</param>
    /// <param name="expectedDigest">The digest the state or history names for it; null to use the one recorded at storage.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <exception cref="PatternSetNotFoundException">The version is not stored.</exception>
    /// <exception cref="PatternSetDigestMismatchException">The content does not match the digest (or label) it was stored under.</exception>
    /// <exception cref="PatternSetFormatException">The stored document is not a valid set.</exception>
    /// <exception cref="ArgumentException">The label is not a valid version.</exception>
    public async Task<(PatternSetRef Reference, PatternSet Set)> ReadVersionAsync(string version, string? expectedDigest = null, CancellationToken cancellationToken = default)
    {
        var blob = patterns.GetBlobClient(PatternStore.SetBlobName(version));
        if (expectedDigest is null)
        {
            BlobProperties properties;
            try
            {
                properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            }
            catch (RequestFailedException exception) when (exception.Status == 404)
            {
                throw new PatternSetNotFoundException(version, exception);
            }

            // Metadata keys come back in the case the service stores them; compare without case.
            expectedDigest = properties.Metadata.FirstOrDefault(entry => string.Equals(entry.Key, PatternStore.DigestMetadata, StringComparison.OrdinalIgnoreCase)).Value
                ?? throw new PatternSetDigestMismatchException(version, "(none recorded)", "(not computed)", "no digest was recorded when the version was stored");
        }

        var reference = new PatternSetRef(version, expectedDigest);
        return (reference, await store.ReadSetAsync(reference, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>Reads an upload.</summary>
    /// <param name="uploadBlobName">The upload, <c>uploads/{name}</c>.</param>
    /// <param name="maxBytes">Larger uploads are not downloaded.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The content (null when the upload is larger than <paramref name="maxBytes"/>) and length; null when it does not exist.</returns>
    internal async Task<(BinaryData? Content, long Length)?> ReadUploadAsync(string uploadBlobName, int maxBytes, CancellationToken cancellationToken = default)
    {
        UploadRelativeName(uploadBlobName);
        var blob = patterns.GetBlobClient(uploadBlobName);
        try
        {
            var properties = (await blob.GetPropertiesAsync(cancellationToken: cancellationToken).ConfigureAwait(false)).Value;
            if (properties.ContentLength > maxBytes)
            {
                return (null, properties.ContentLength);
            }

            var content = (await blob.DownloadContentAsync(
                new BlobDownloadOptions { Conditions = new BlobRequestConditions { IfMatch = properties.ETag } },
                cancellationToken).ConfigureAwait(false)).Value.Content;
            return (content, content.ToMemory().Length);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }
    }

    private static string UploadRelativeName(string uploadBlobName)
    {
        ArgumentException.ThrowIfNullOrEmpty(uploadBlobName);
        return uploadBlobName.StartsWith(UploadsFolder, StringComparison.Ordinal) && uploadBlobName.Length > UploadsFolder.Length
            ? uploadBlobName[UploadsFolder.Length..]
            : throw new ArgumentException($"'{uploadBlobName}' is not an upload: uploads are blobs under {UploadsFolder} in the patterns container", nameof(uploadBlobName));
    }

    private async Task WriteJsonAsync<T>(string name, T document, bool overwrite, CancellationToken cancellationToken)
    {
        await patterns.GetBlobClient(name).UploadAsync(
            BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(document, ReleaseJson.Options)),
            new BlobUploadOptions
            {
                Conditions = overwrite ? null : new BlobRequestConditions { IfNoneMatch = ETag.All },
                HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
            },
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<T?> ReadJsonAsync<T>(string name, CancellationToken cancellationToken)
        where T : class
    {
        try
        {
            var content = (await patterns.GetBlobClient(name).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
            return JsonSerializer.Deserialize<T>(content.ToMemory().Span, ReleaseJson.Options);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }
    }
}

/// <summary>A gate report as stored beside its version.</summary>
/// <param name="Version">The version it judged.</param>
/// <param name="At">When it was written.</param>
/// <param name="Report">The report.</param>
public sealed record StoredGateReport(string Version, DateTimeOffset At, GateReport Report);
