using System.Text.Json;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Prefilter.Engine.PatternSets;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Patterns;

/// <summary>
/// Pattern sets in the patterns container: immutable versions <c>sets/{version}/set.json</c> (canonical JSON,
/// digest in the blob's metadata) and the pointer document <c>state.json</c>.
/// </summary>
/// <remarks>
/// A set is checked on every read: its content must hash to the digest the caller expects (from <c>state.json</c>)
/// and carry the version label of its folder, so a replaced or corrupted blob is refused instead of served.
/// </remarks>
public sealed partial class PatternStore
{
    /// <summary>Blob name of the state document.</summary>
    public const string StateBlobName = "state.json";

    /// <summary>Metadata key holding a stored set's digest.</summary>
    public const string DigestMetadata = "prefilter_digest";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private readonly BlobContainerClient patterns;

    /// <summary>Creates the store.</summary>
    /// <param name="blobs">The storage account.</param>
    /// <param name="containers">Container names.</param>
    public PatternStore(BlobServiceClient blobs, PipelineContainers containers)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(containers);
        patterns = blobs.GetBlobContainerClient(containers.Patterns);
    }

    /// <summary>Blob name of a version's set document.</summary>
    /// <param name="version">A valid version label.</param>
    /// <exception cref="ArgumentException">The label is not a valid version (letters, digits, <c>.</c>, <c>_</c>, <c>-</c>; at most 64).</exception>
    public static string SetBlobName(string version) =>
        VersionLabel().IsMatch(version ?? throw new ArgumentNullException(nameof(version)))
            ? $"sets/{version}/set.json"
            : throw new ArgumentException($"version '{version}' must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit", nameof(version));

    /// <summary>Creates the patterns container when missing.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken = default) =>
        await patterns.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// Stores a set as the immutable version named by its <see cref="PatternSet.Version"/>. Storing the same
    /// content again is a no-op; different content under an existing version is refused.
    /// </summary>
    /// <param name="set">The set.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>The stored version and digest.</returns>
    /// <exception cref="PatternSetVersionConflictException">The version exists with another digest.</exception>
    /// <exception cref="ArgumentException">The set's version label is not valid as a folder name.</exception>
    public async Task<PatternSetRef> StoreSetAsync(PatternSet set, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var blob = patterns.GetBlobClient(SetBlobName(set.Version));
        var digest = PatternSetJson.ComputeDigest(set);
        try
        {
            await blob.UploadAsync(
                BinaryData.FromBytes(PatternSetJson.ToCanonicalUtf8(set)),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                    Metadata = new Dictionary<string, string> { [DigestMetadata] = digest },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            var stored = await ReadSetContentDigestAsync(set.Version, cancellationToken).ConfigureAwait(false);
            if (stored != digest)
            {
                throw new PatternSetVersionConflictException(set.Version, stored, digest);
            }
        }

        return new PatternSetRef(set.Version, digest);
    }

    /// <summary>Reads a stored set and checks it against the expected digest.</summary>
    /// <param name="reference">Version and expected digest (normally from <c>state.json</c>).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="PatternSetNotFoundException">The version is not stored.</exception>
    /// <exception cref="PatternSetFormatException">The stored document is not a valid set.</exception>
    /// <exception cref="PatternSetDigestMismatchException">The content's digest or version label differs from what is expected.</exception>
    public async Task<PatternSet> ReadSetAsync(PatternSetRef reference, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var content = await DownloadSetAsync(reference.Version, cancellationToken).ConfigureAwait(false);
        var set = PatternSetJson.Parse(content.ToMemory().Span);
        var actual = PatternSetJson.ComputeDigest(set);
        if (!string.Equals(actual, reference.Digest, StringComparison.OrdinalIgnoreCase))
        {
            throw new PatternSetDigestMismatchException(reference.Version, reference.Digest, actual, "content does not hash to the expected digest");
        }

        if (set.Version != reference.Version)
        {
            throw new PatternSetDigestMismatchException(reference.Version, reference.Digest, actual, $"the document says version {set.Version}");
        }

        return set;
    }

    /// <summary>Where the compiled-set artifact of a set digest made by an engine build is kept.</summary>
    /// <param name="digest">The set digest.</param>
    /// <param name="engine">The engine build (<see cref="CompiledSetArtifact.Engine"/>).</param>
    public static string ArtifactBlobName(string digest, string engine) => $"compiled/{digest}/{engine}.json";

    /// <summary>
    /// Stores a set's compiled-set artifact under its digest and engine build. Artifacts are immutable: storing one
    /// that exists is a no-op (two instances may race to store the same artifact).
    /// </summary>
    /// <param name="artifact">The artifact.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task StoreArtifactAsync(CompiledSetArtifact artifact, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        try
        {
            await patterns.GetBlobClient(ArtifactBlobName(artifact.SetDigest, artifact.Engine)).UploadAsync(
                BinaryData.FromBytes(artifact.ToUtf8Json()),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                },
                cancellationToken).ConfigureAwait(false);
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            // Already stored by another instance or an earlier publish.
        }
    }

    /// <summary>Reads the compiled-set artifact of a digest made by this engine build, or null when there is none.</summary>
    /// <param name="digest">The set digest.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <exception cref="FormatException">The stored artifact is not a valid one.</exception>
    public async Task<CompiledSetArtifact?> ReadArtifactAsync(string digest, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(digest);
        try
        {
            var content = await patterns.GetBlobClient(ArtifactBlobName(digest, CompiledSetArtifact.CurrentEngine)).DownloadContentAsync(cancellationToken).ConfigureAwait(false);
            return CompiledSetArtifact.Parse(content.Value.Content.ToMemory().Span);
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }
    }

    /// <summary>Lists the stored versions (folder names), in name order.</summary>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public async Task<IReadOnlyList<string>> ListVersionsAsync(CancellationToken cancellationToken = default)
    {
        var versions = new List<string>();
        await foreach (var item in patterns.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", "sets/", cancellationToken).ConfigureAwait(false))
        {
            if (item.IsPrefix)
            {
                versions.Add(item.Prefix["sets/".Length..].TrimEnd('/'));
            }
        }

        return versions;
    }

    /// <summary>Reads <c>state.json</c> with its ETag.</summary>
    /// <param name="ifNoneMatch">The ETag already held; when unchanged, returns <see cref="PatternStateRead.NotModified"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The state, <see cref="PatternStateRead.NotModified"/>, or null when there is no state yet.</returns>
    /// <exception cref="PatternStateFormatException">The document is not valid.</exception>
    public async Task<PatternStateRead?> ReadStateAsync(ETag? ifNoneMatch = null, CancellationToken cancellationToken = default)
    {
        BlobDownloadResult result;
        try
        {
            var response = await patterns.GetBlobClient(StateBlobName).DownloadContentAsync(
                new BlobDownloadOptions { Conditions = ifNoneMatch is { } etag ? new BlobRequestConditions { IfNoneMatch = etag } : null },
                cancellationToken).ConfigureAwait(false);

            // A conditional GET answered 304 comes back as a response without a value, not as an exception.
            if (response.GetRawResponse().Status == 304)
            {
                return PatternStateRead.NotModified;
            }

            result = response.Value;
        }
        catch (RequestFailedException exception) when (exception.Status == 304)
        {
            return PatternStateRead.NotModified;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            return null;
        }

        PatternState? state;
        try
        {
            state = JsonSerializer.Deserialize<PatternState>(result.Content.ToMemory().Span, Json);
        }
        catch (JsonException exception)
        {
            throw new PatternStateFormatException($"line {exception.LineNumber + 1}: {exception.Message}", exception);
        }

        if (state is null)
        {
            throw new PatternStateFormatException("the document is null");
        }

        foreach (var reference in new[] { state.Active, state.LastKnownGood, state.Canary?.Set })
        {
            if (reference is not null && (string.IsNullOrEmpty(reference.Version) || string.IsNullOrEmpty(reference.Digest)))
            {
                throw new PatternStateFormatException("a set reference lacks its version or digest");
            }
        }

        return new PatternStateRead(new PatternStateSnapshot(state, result.Details.ETag));
    }

    /// <summary>Writes <c>state.json</c> only if it is unchanged since it was read.</summary>
    /// <param name="state">The new state.</param>
    /// <param name="ifMatch">The ETag read; null to create the first state (fails when one exists).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>The new ETag.</returns>
    /// <exception cref="PatternStateConflictException">Someone else changed (or created) the state meanwhile.</exception>
    /// <remarks>Internal: release state changes go through <c>ReleaseStateCommitter</c>, which records each one.</remarks>
    internal async Task<ETag> WriteStateAsync(PatternState state, ETag? ifMatch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        try
        {
            var response = await patterns.GetBlobClient(StateBlobName).UploadAsync(
                BinaryData.FromBytes(JsonSerializer.SerializeToUtf8Bytes(state, Json)),
                new BlobUploadOptions
                {
                    Conditions = ifMatch is { } etag ? new BlobRequestConditions { IfMatch = etag } : new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "application/json" },
                },
                cancellationToken).ConfigureAwait(false);
            return response.Value.ETag;
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            throw new PatternStateConflictException(ifMatch, exception);
        }
    }

    private async Task<BinaryData> DownloadSetAsync(string version, CancellationToken cancellationToken)
    {
        try
        {
            return (await patterns.GetBlobClient(SetBlobName(version)).DownloadContentAsync(cancellationToken).ConfigureAwait(false)).Value.Content;
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            throw new PatternSetNotFoundException(version, exception);
        }
    }

    private async Task<string> ReadSetContentDigestAsync(string version, CancellationToken cancellationToken)
    {
        // The digest of what is stored, from the content itself: metadata alone could have been edited.
        var content = await DownloadSetAsync(version, cancellationToken).ConfigureAwait(false);
        try
        {
            return PatternSetJson.ComputeDigest(PatternSetJson.Parse(content.ToMemory().Span));
        }
        catch (PatternSetFormatException)
        {
            return "(unparseable)";
        }
    }

    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")]
    private static partial Regex VersionLabel();
}

/// <summary>A read of <c>state.json</c>.</summary>
/// <param name="Snapshot">The state and its ETag; null for <see cref="NotModified"/>.</param>
public sealed record PatternStateRead(PatternStateSnapshot? Snapshot)
{
    /// <summary>The state has not changed since the ETag the caller holds.</summary>
    public static PatternStateRead NotModified { get; } = new((PatternStateSnapshot?)null);
}
