using System.Globalization;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Engine.Gating;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// The real-traffic half of the gate corpus, in the corpus container: <c>sample/{yyyy-MM-dd}/{mail id}</c>, a
/// deterministic share of scanned mail copied on the day it was scanned, kept for <see cref="GateCorpusOptions.Retention"/>.
/// </summary>
/// <remarks>
/// The gate adds adversarial mail generated for each candidate itself (<see cref="AdversarialMail"/>); nothing of that is
/// stored here. Copies are written with <c>If-None-Match: *</c>, so a mail scanned twice (retry, reconciler) is
/// sampled once.
/// </remarks>
public sealed partial class GateCorpus
{
    /// <summary>Folder of the sampled traffic in the corpus container.</summary>
    public const string SampleFolder = "sample/";

    private const string DayFormat = "yyyy-MM-dd";
    private const string SampleSalt = "corpus:";
    private const int ParallelDownloads = 8;
    private readonly BlobContainerClient corpus;
    private readonly GateCorpusOptions options;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<GateCorpus> logger;

    /// <summary>Creates the corpus.</summary>
    /// <param name="blobs">The storage account.</param>
    /// <param name="containers">Container names.</param>
    /// <param name="options">Sample rate, retention and size cap.</param>
    /// <param name="timeProvider">Clock for the day folders and retention.</param>
    /// <param name="logger">Log.</param>
    public GateCorpus(BlobServiceClient blobs, PipelineContainers containers, IOptions<GateCorpusOptions> options, TimeProvider timeProvider, ILogger<GateCorpus> logger)
    {
        ArgumentNullException.ThrowIfNull(blobs);
        ArgumentNullException.ThrowIfNull(containers);
        corpus = blobs.GetBlobContainerClient(containers.Corpus);
        this.options = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>True when the mail belongs to the sample (same answer on every instance and every call).</summary>
    /// <param name="mailId">The mail's blob name in the incoming container.</param>
    /// <exception cref="ArgumentException"><paramref name="mailId"/> is null or empty.</exception>
    public bool IsSampled(string mailId)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailId);
        return CanarySelector.Fraction(mailId, SampleSalt) < options.SampleRate;
    }

    /// <summary>
    /// Called by the scan stage for every scanned mail: copies it into today's sample folder when it is sampled and not
    /// larger than <see cref="GateCorpusOptions.MaxMessageBytes"/>. Idempotent.
    /// </summary>
    /// <param name="mailId">The mail's blob name in the incoming container (no path separators).</param>
    /// <param name="content">The raw mail, as the scan stage downloaded it.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    /// <returns>True when the mail is (now or already) in the sample.</returns>
    /// <exception cref="ArgumentException"><paramref name="mailId"/> is empty or contains '/'.</exception>
    /// <exception cref="RequestFailedException">Storage failed; the caller decides whether sampling may fail a scan (it should not).</exception>
    public async Task<bool> SampleAsync(string mailId, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailId);
        if (mailId.Contains('/', StringComparison.Ordinal))
        {
            throw new ArgumentException($"mail id '{mailId}' must not contain '/'", nameof(mailId));
        }

        if (!IsSampled(mailId) || content.Length > options.MaxMessageBytes)
        {
            return false;
        }

        var name = $"{SampleFolder}{Day(timeProvider.GetUtcNow())}/{mailId}";
        try
        {
            await corpus.GetBlobClient(name).UploadAsync(
                BinaryData.FromBytes(content),
                new BlobUploadOptions
                {
                    Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
                    HttpHeaders = new BlobHttpHeaders { ContentType = "message/rfc822" },
                },
                cancellationToken).ConfigureAwait(false);
            LogSampled(logger, mailId, name);
        }
        catch (RequestFailedException exception) when (exception.Status is 409 or 412)
        {
            // Sampled already (a retry or the reconciler scanned the mail again).
        }

        return true;
    }

    /// <summary>
    /// Deletes sampled mail of every day that ended more than <see cref="GateCorpusOptions.Retention"/> ago. For a timer
    /// (the reconciler's); safe to run on several instances at once.
    /// </summary>
    /// <param name="cancellationToken">Cancels the run; what is deleted stays deleted.</param>
    /// <returns>The number of blobs deleted.</returns>
    public async Task<int> DeleteExpiredAsync(CancellationToken cancellationToken = default)
    {
        var oldestKept = Day(timeProvider.GetUtcNow() - options.Retention);
        var deleted = 0;
        foreach (var day in await ListDaysAsync(cancellationToken).ConfigureAwait(false))
        {
            if (string.CompareOrdinal(day, oldestKept) >= 0)
            {
                continue;
            }

            await foreach (var blob in corpus.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{SampleFolder}{day}/", cancellationToken).ConfigureAwait(false))
            {
                var response = await corpus.DeleteBlobIfExistsAsync(blob.Name, cancellationToken: cancellationToken).ConfigureAwait(false);
                deleted += response.Value ? 1 : 0;
            }
        }

        if (deleted > 0)
        {
            LogExpired(logger, deleted, oldestKept);
        }

        return deleted;
    }

    /// <summary>The newest sampled messages, newest first, for the gate.</summary>
    /// <param name="count">At most this many.</param>
    /// <param name="cancellationToken">Cancels the listing and downloads.</param>
    /// <returns>Messages with ids <c>sample/{day}/{mail id}</c>; fewer than <paramref name="count"/> when the sample is smaller.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    public async Task<IReadOnlyList<GateMessage>> LoadNewestAsync(int count, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var names = new List<string>(count);
        foreach (var day in (await ListDaysAsync(cancellationToken).ConfigureAwait(false)).OrderDescending(StringComparer.Ordinal))
        {
            if (names.Count >= count)
            {
                break;
            }

            var ofDay = new List<(string Name, DateTimeOffset Modified)>();
            await foreach (var blob in corpus.GetBlobsAsync(BlobTraits.None, BlobStates.None, $"{SampleFolder}{day}/", cancellationToken).ConfigureAwait(false))
            {
                ofDay.Add((blob.Name, blob.Properties.LastModified ?? DateTimeOffset.MinValue));
            }

            names.AddRange(ofDay.OrderByDescending(blob => blob.Modified).ThenByDescending(blob => blob.Name, StringComparer.Ordinal)
                .Select(blob => blob.Name).Take(count - names.Count));
        }

        var messages = new GateMessage?[names.Count];
        await Parallel.ForEachAsync(
            Enumerable.Range(0, names.Count),
            new ParallelOptions { MaxDegreeOfParallelism = ParallelDownloads, CancellationToken = cancellationToken },
            async (i, token) =>
            {
                try
                {
                    var content = (await corpus.GetBlobClient(names[i]).DownloadContentAsync(token).ConfigureAwait(false)).Value.Content;
                    messages[i] = new GateMessage(names[i], content.ToMemory());
                }
                catch (RequestFailedException exception) when (exception.Status == 404)
                {
                    // Deleted by retention between the listing and the download: the sample is just one smaller.
                }
            }).ConfigureAwait(false);
        return [.. messages.OfType<GateMessage>()];
    }

    /// <summary>Creates the corpus container when missing.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    public async Task EnsureContainerAsync(CancellationToken cancellationToken = default) =>
        await corpus.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);

    private async Task<List<string>> ListDaysAsync(CancellationToken cancellationToken)
    {
        var days = new List<string>();
        try
        {
            await foreach (var item in corpus.GetBlobsByHierarchyAsync(BlobTraits.None, BlobStates.None, "/", SampleFolder, cancellationToken).ConfigureAwait(false))
            {
                if (item.IsPrefix && DateOnly.TryParseExact(item.Prefix[SampleFolder.Length..].TrimEnd('/'), DayFormat, CultureInfo.InvariantCulture, DateTimeStyles.None, out _))
                {
                    days.Add(item.Prefix[SampleFolder.Length..].TrimEnd('/'));
                }
            }
        }
        catch (RequestFailedException exception) when (exception.Status == 404)
        {
            // No corpus container yet: an empty sample.
        }

        return days;
    }

    private static string Day(DateTimeOffset time) => time.UtcDateTime.ToString(DayFormat, CultureInfo.InvariantCulture);

    [LoggerMessage(EventId = 300, Level = LogLevel.Debug, Message = "Mail {MailId} sampled into the gate corpus as {SampleName}")]
    private static partial void LogSampled(ILogger logger, string mailId, string sampleName);

    [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Deleted {Count} gate corpus messages sampled before {OldestKeptDay}")]
    private static partial void LogExpired(ILogger logger, int count, string oldestKeptDay);
}
