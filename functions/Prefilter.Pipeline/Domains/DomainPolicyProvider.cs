using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Domains;

/// <summary>
/// The current domain policy for ingress and delivery: cached, and re-read when older than
/// <see cref="DomainPolicyOptions.RefreshInterval"/> so an edited <c>domains.json</c> applies without a restart.
/// </summary>
/// <remarks>
/// A missing document means "serve nothing" (logged as a warning): an unconfigured pre-filter refuses every
/// recipient rather than relay. A document that cannot be read or parsed keeps the last good policy (logged as an
/// error on every refresh until fixed); with no good policy yet, <see cref="GetAsync"/> throws
/// <see cref="DomainPolicyUnavailableException"/> so ingress answers with a temporary error.
/// </remarks>
public sealed partial class DomainPolicyProvider : IDisposable
{
    private readonly DomainPolicyStore store;
    private readonly TimeSpan refreshInterval;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<DomainPolicyProvider> logger;
    private readonly SemaphoreSlim refreshGate = new(1, 1);
    private DomainPolicy? current;
    private ETag currentETag;
    private long checkedAtTicks; // UTC ticks of the last check; a long so readers outside the gate never see a torn value

    /// <summary>Creates the provider.</summary>
    /// <param name="store">Where the document lives.</param>
    /// <param name="options">Refresh interval.</param>
    /// <param name="timeProvider">Clock for the refresh interval.</param>
    /// <param name="logger">Log.</param>
    public DomainPolicyProvider(DomainPolicyStore store, IOptions<DomainPolicyOptions> options, TimeProvider timeProvider, ILogger<DomainPolicyProvider> logger)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        refreshInterval = (options ?? throw new ArgumentNullException(nameof(options))).Value.RefreshInterval;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
    }

    /// <summary>The current policy, refreshed first when the cached one is older than the refresh interval.</summary>
    /// <param name="cancellationToken">Cancels a refresh.</param>
    /// <exception cref="DomainPolicyUnavailableException">No valid policy has been loaded yet and the document cannot be read or parsed.</exception>
    public async ValueTask<DomainPolicy> GetAsync(CancellationToken cancellationToken = default)
    {
        var cached = Volatile.Read(ref current);
        if (cached is not null && IsFresh())
        {
            return cached;
        }

        // One refresh at a time; callers holding a policy do not wait for it.
        if (cached is not null && !await refreshGate.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
        {
            return cached;
        }

        if (cached is null)
        {
            await refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (current is { } fresh && IsFresh())
            {
                return fresh;
            }

            await RefreshAsync(cancellationToken).ConfigureAwait(false);
            return current ?? throw new DomainPolicyUnavailableException("no domain policy loaded yet");
        }
        finally
        {
            refreshGate.Release();
        }
    }

    /// <inheritdoc />
    public void Dispose() => refreshGate.Dispose();

    private bool IsFresh() => timeProvider.GetUtcNow().UtcTicks - Volatile.Read(ref checkedAtTicks) < refreshInterval.Ticks;

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var read = await store.ReadAsync(current is null ? null : currentETag, cancellationToken).ConfigureAwait(false);
            if (read is null)
            {
                if (current != DomainPolicy.Empty)
                {
                    LogMissing(logger, DomainPolicyStore.BlobName);
                }

                current = DomainPolicy.Empty;
                currentETag = default;
            }
            else if (read.Policy is { } policy)
            {
                current = policy;
                currentETag = read.ETag;
                LogLoaded(logger, policy.Domains.Count, read.ETag.ToString());
            }

            Volatile.Write(ref checkedAtTicks, timeProvider.GetUtcNow().UtcTicks);
        }
        catch (Exception exception) when (exception is DomainPolicyFormatException || StorageFailure.Is(exception))
        {
            if (current is null)
            {
                throw new DomainPolicyUnavailableException($"domain policy cannot be loaded: {exception.Message}", exception);
            }

            LogKeepingPrevious(logger, exception, current.Domains.Count);
            Volatile.Write(ref checkedAtTicks, timeProvider.GetUtcNow().UtcTicks);
        }
    }

    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Domain policy loaded: {DomainCount} served domains (ETag {ETag})")]
    private static partial void LogLoaded(ILogger logger, int domainCount, string etag);

    [LoggerMessage(EventId = 2, Level = LogLevel.Warning, Message = "No {BlobName} in the config container: no domain is served and every recipient is refused")]
    private static partial void LogMissing(ILogger logger, string blobName);

    [LoggerMessage(EventId = 3, Level = LogLevel.Error, Message = "Domain policy cannot be refreshed; still serving the previous policy with {DomainCount} domains")]
    private static partial void LogKeepingPrevious(ILogger logger, Exception exception, int domainCount);
}
