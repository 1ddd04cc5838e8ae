using Azure;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Release;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Patterns;

/// <summary>
/// The compiled active pattern set for scanning. Follows <c>state.json</c>: re-checked (a conditional read) when
/// older than <see cref="PatternStoreOptions.RefreshInterval"/>, so a new active version serves within seconds
/// without a restart. Compiled sets come from a cache keyed by digest, so switching back is instant.
/// </summary>
/// <remarks>
/// If the state or the set it names cannot be read, does not match its digest, or does not compile, the provider
/// keeps serving the set it has and logs an error on every refresh until the problem is fixed. With no set at all
/// it returns null and the caller applies <see cref="NoPatternSetPolicy"/>.
/// </remarks>
public sealed partial class ActivePatternSetProvider : IDisposable
{
    private readonly PatternStore store;
    private readonly CompiledPatternSetCache cache;
    private readonly TimeSpan refreshInterval;
    private readonly TimeProvider timeProvider;
    private readonly ILogger<ActivePatternSetProvider> logger;
    private readonly SemaphoreSlim refreshGate = new(1, 1);
    private volatile ActivePatternSet? current;
    private volatile CanaryPatternSet? canary;
    private PatternState? state;
    private ETag stateETag;
    private long checkedAtTicks; // UTC ticks of the last check; a long so readers outside the gate never see a torn value
    private volatile Exception? lastError;

    /// <summary>Creates the provider.</summary>
    /// <param name="store">The pattern store.</param>
    /// <param name="cache">Compiled sets by digest (shared with anything else that compiles sets).</param>
    /// <param name="options">Refresh interval.</param>
    /// <param name="timeProvider">Clock for the refresh interval.</param>
    /// <param name="logger">Log.</param>
    public ActivePatternSetProvider(PatternStore store, CompiledPatternSetCache cache, IOptions<PatternStoreOptions> options, TimeProvider timeProvider, ILogger<ActivePatternSetProvider> logger)
    {
        this.store = store ?? throw new ArgumentNullException(nameof(store));
        this.cache = cache ?? throw new ArgumentNullException(nameof(cache));
        refreshInterval = (options ?? throw new ArgumentNullException(nameof(options))).Value.RefreshInterval;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        PipelineMetrics.ObserveReleaseState(this, ServingSets);
    }

    /// <summary>The set currently served, without refreshing; null before the first successful load.</summary>
    public ActivePatternSet? Current => current;

    /// <summary>The canary currently served to its share of mail, without refreshing; null when none.</summary>
    public CanaryPatternSet? CurrentCanary => canary;

    private IEnumerable<ServingSet> ServingSets()
    {
        var (active, served) = (current, canary);
        if (active is not null)
        {
            yield return new ServingSet(active.Reference.Version, ScanRole.Active, served is null ? 1 : 1 - (served.SharePercent / 100));
        }

        if (served is not null)
        {
            yield return new ServingSet(served.Set.Reference.Version, ScanRole.Canary, served.SharePercent / 100);
        }
    }

    /// <summary>The error of the last refresh, null when it succeeded; for status pages.</summary>
    public Exception? LastError => lastError;

    /// <summary>
    /// The active set, refreshed first when the last check is older than the refresh interval. A scan should call
    /// this once and use the returned set for the whole mail (a reload never changes rules mid-scan).
    /// </summary>
    /// <param name="cancellationToken">Cancels a refresh.</param>
    /// <returns>The set, or null when none could ever be loaded.</returns>
    public async ValueTask<ActivePatternSet?> GetActiveAsync(CancellationToken cancellationToken = default)
    {
        var cached = current;
        if (IsFresh())
        {
            return cached;
        }

        // One refresh at a time; scans that already have a set keep going with it instead of waiting.
        if (cached is not null)
        {
            if (!await refreshGate.WaitAsync(TimeSpan.Zero, cancellationToken).ConfigureAwait(false))
            {
                return cached;
            }
        }
        else
        {
            await refreshGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        }

        try
        {
            if (!IsFresh())
            {
                await RefreshAsync(cancellationToken).ConfigureAwait(false);
            }

            return current;
        }
        finally
        {
            refreshGate.Release();
        }
    }

    /// <summary>
    /// The set that scans one mail: the canary when the mail's id falls in the canary's share
    /// (<see cref="CanarySelector"/>, deterministic per id), else the active set. Refreshes like <see cref="GetActiveAsync"/>.
    /// </summary>
    /// <param name="mailId">The mail's id (its blob name).</param>
    /// <param name="cancellationToken">Cancels a refresh.</param>
    /// <returns>The set and its role, or null when no set applies (no active set and the mail is not in a canary share).</returns>
    public async ValueTask<PatternSetChoice?> ChooseAsync(string mailId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailId);
        var active = await GetActiveAsync(cancellationToken).ConfigureAwait(false);
        if (canary is { } running && CanarySelector.IsCanary(mailId, running.SharePercent))
        {
            return new PatternSetChoice(running.Set, ScanRole.Canary);
        }

        return active is null ? null : new PatternSetChoice(active, ScanRole.Active);
    }

    /// <inheritdoc />
    public void Dispose() => refreshGate.Dispose();

    private bool IsFresh() => timeProvider.GetUtcNow().UtcTicks - Volatile.Read(ref checkedAtTicks) < refreshInterval.Ticks;

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var read = await store.ReadStateAsync(state is null ? null : stateETag, cancellationToken).ConfigureAwait(false);
            if (read is null)
            {
                state = null;
                if (current is { } kept)
                {
                    LogStateMissing(logger, kept.Reference.Version, kept.Reference.Digest);
                }
                else
                {
                    LogNoState(logger, PatternStore.StateBlobName);
                }
            }
            else if (read.Snapshot is { } snapshot)
            {
                state = snapshot.State;
                stateETag = snapshot.ETag;
            }

            var wanted = state?.Active;
            if (wanted is not null && !string.Equals(wanted.Digest, current?.Reference.Digest, StringComparison.OrdinalIgnoreCase))
            {
                var compiled = await LoadAsync(wanted, cancellationToken).ConfigureAwait(false);
                var previous = current;
                current = new ActivePatternSet(wanted, compiled, timeProvider.GetUtcNow());
                LogActivated(logger, wanted.Version, wanted.Digest, previous?.Reference.Version);
            }

            lastError = null;
        }
        catch (Exception exception) when (!(exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // Any failure (storage, corrupt JSON, digest mismatch, a set the compiler refuses) must not stop scanning.
            lastError = exception;
            if (current is { } kept)
            {
                LogKeepingPrevious(logger, exception, state?.Active?.Version, kept.Reference.Version, kept.Reference.Digest);
            }
            else
            {
                LogNoSet(logger, exception, state?.Active?.Version);
            }
        }

        await RefreshCanaryAsync(cancellationToken).ConfigureAwait(false);
        Volatile.Write(ref checkedAtTicks, timeProvider.GetUtcNow().UtcTicks);
    }

    private async Task RefreshCanaryAsync(CancellationToken cancellationToken)
    {
        var wanted = state?.Canary;
        if (wanted is null)
        {
            if (canary is { } ended)
            {
                LogCanaryEnded(logger, ended.Set.Reference.Version);
            }

            canary = null;
            return;
        }

        if (canary is { } running && string.Equals(running.Set.Reference.Digest, wanted.Set.Digest, StringComparison.OrdinalIgnoreCase))
        {
            canary = running with { SharePercent = wanted.SharePercent };
            return;
        }

        try
        {
            canary = new CanaryPatternSet(new ActivePatternSet(wanted.Set, await LoadAsync(wanted.Set, cancellationToken).ConfigureAwait(false), timeProvider.GetUtcNow()), wanted.SharePercent);
            LogCanaryServing(logger, wanted.Set.Version, wanted.Set.Digest, wanted.SharePercent);
        }
        catch (Exception exception) when (!(exception is OperationCanceledException && cancellationToken.IsCancellationRequested))
        {
            // A canary that cannot be loaded serves nobody: all mail stays on the active set.
            canary = null;
            LogCanaryUnavailable(logger, exception, wanted.Set.Version);
        }
    }

    // A set already compiled here is taken from the cache; otherwise from its stored compiled-set artifact, which the
    // release made. Without one (an older release, another engine build) the set is analysed here, which is said in a
    // log line and the compile counter, and the artifact is stored so the next instance does not have to.
    private async Task<CompiledPatternSet> LoadAsync(PatternSetRef reference, CancellationToken cancellationToken)
    {
        var set = await store.ReadSetAsync(reference, cancellationToken).ConfigureAwait(false);
        if (cache.TryGet(reference.Digest, out var held))
        {
            return held;
        }

        CompiledSetArtifact? artifact = null;
        try
        {
            artifact = await store.ReadArtifactAsync(reference.Digest, cancellationToken).ConfigureAwait(false);
        }
        catch (FormatException exception)
        {
            LogArtifactUnreadable(logger, exception, reference.Version, reference.Digest);
        }

        var started = timeProvider.GetTimestamp();
        var compiled = cache.GetOrCompile(set, artifact);
        PipelineMetrics.Compiled(compiled.LoadedFromArtifact);
        if (!compiled.LoadedFromArtifact)
        {
            LogCompiledWithoutArtifact(logger, reference.Version, reference.Digest, CompiledSetArtifact.CurrentEngine, timeProvider.GetElapsedTime(started).TotalMilliseconds);
            await store.StoreArtifactAsync(CompiledSetArtifact.Create(set, cancellationToken), cancellationToken).ConfigureAwait(false);
        }

        return compiled;
    }

    [LoggerMessage(EventId = 18, Level = LogLevel.Warning, Message = "Pattern set {Version} ({Digest}) had no compiled-set artifact for engine build {Engine}; analysed here in {ElapsedMs:0} ms, artifact stored")]
    private static partial void LogCompiledWithoutArtifact(ILogger logger, string version, string digest, string engine, double elapsedMs);

    [LoggerMessage(EventId = 19, Level = LogLevel.Error, Message = "The compiled-set artifact of {Version} ({Digest}) is unreadable; analysing the set instead")]
    private static partial void LogArtifactUnreadable(ILogger logger, Exception exception, string version, string digest);

    [LoggerMessage(EventId = 10, Level = LogLevel.Information, Message = "Pattern set {Version} ({Digest}) is now active (was {PreviousVersion})")]
    private static partial void LogActivated(ILogger logger, string version, string digest, string? previousVersion);

    [LoggerMessage(EventId = 11, Level = LogLevel.Error, Message = "Pattern set {WantedVersion} cannot be loaded; STILL SCANNING WITH {Version} ({Digest}) until it is fixed")]
    private static partial void LogKeepingPrevious(ILogger logger, Exception exception, string? wantedVersion, string version, string digest);

    [LoggerMessage(EventId = 12, Level = LogLevel.Error, Message = "No pattern set available (wanted {WantedVersion}); the no-pattern-set policy applies to every mail")]
    private static partial void LogNoSet(ILogger logger, Exception exception, string? wantedVersion);

    [LoggerMessage(EventId = 14, Level = LogLevel.Warning, Message = "No {BlobName} yet: no pattern set is active; the no-pattern-set policy applies to every mail")]
    private static partial void LogNoState(ILogger logger, string blobName);

    [LoggerMessage(EventId = 15, Level = LogLevel.Information, Message = "Canary {Version} ({Digest}) serves {SharePercent} % of mail")]
    private static partial void LogCanaryServing(ILogger logger, string version, string digest, double sharePercent);

    [LoggerMessage(EventId = 16, Level = LogLevel.Information, Message = "Canary {Version} ended; all mail uses the active set")]
    private static partial void LogCanaryEnded(ILogger logger, string version);

    [LoggerMessage(EventId = 17, Level = LogLevel.Error, Message = "Canary {Version} cannot be loaded; all mail uses the active set")]
    private static partial void LogCanaryUnavailable(ILogger logger, Exception exception, string version);

    [LoggerMessage(EventId = 13, Level = LogLevel.Error, Message = "state.json is missing; still scanning with {Version} ({Digest})")]
    private static partial void LogStateMissing(ILogger logger, string version, string digest);
}

/// <summary>A compiled set as served, with the version that named it.</summary>
/// <param name="Reference">Version and digest from <c>state.json</c>.</param>
/// <param name="Compiled">The compiled set; scan with it.</param>
/// <param name="LoadedAt">When this instance started serving it.</param>
public sealed record ActivePatternSet(PatternSetRef Reference, CompiledPatternSet Compiled, DateTimeOffset LoadedAt);

/// <summary>A canary set and the share of mail it scans.</summary>
/// <param name="Set">The canary.</param>
/// <param name="SharePercent">Share of mail (0–100) it scans.</param>
public sealed record CanaryPatternSet(ActivePatternSet Set, double SharePercent);

/// <summary>The set chosen to scan one mail.</summary>
/// <param name="Set">The set.</param>
/// <param name="Role">Whether it scans as the active set or as the canary (for scan statistics).</param>
public sealed record PatternSetChoice(ActivePatternSet Set, ScanRole Role);
