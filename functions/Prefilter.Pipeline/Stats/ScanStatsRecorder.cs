using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Engine.Scanning;

namespace Prefilter.Pipeline.Stats;

/// <summary>
/// Counts every scan of this instance by (time window, set digest, role) and writes the figures to the shared table
/// (<see cref="FlushAsync"/>, called periodically by <see cref="ScanStatsFlushService"/>).
/// </summary>
/// <remarks>
/// <para><see cref="Record"/> is the hot path: one dictionary lookup and a few interlocked increments, no lock, no
/// I/O, safe from any number of threads.</para>
/// <para>A flush writes each window's cumulative figures (replacing the row), so a flush that fails is simply
/// repeated by the next one. A window is dropped from memory once it has ended and a flush after its end has written
/// it; a scan recorded in a window that was already dropped would need to stall for the whole of
/// <see cref="ScanStatsOptions.FlushInterval"/> between reading the clock and counting.</para>
/// </remarks>
public sealed partial class ScanStatsRecorder
{
    private readonly ConcurrentDictionary<WindowKey, ScanStatsAccumulator> windows = new();
    private readonly SemaphoreSlim flushGate = new(1, 1);
    private readonly ScanStatsTable table;
    private readonly TimeProvider timeProvider;
    private readonly TimeSpan flushInterval;
    private readonly ILogger<ScanStatsRecorder> logger;

    /// <summary>Creates the recorder.</summary>
    /// <param name="table">Where figures are written.</param>
    /// <param name="options">Flush interval and instance id.</param>
    /// <param name="timeProvider">Clock for windows.</param>
    /// <param name="logger">Log.</param>
    public ScanStatsRecorder(ScanStatsTable table, IOptions<ScanStatsOptions> options, TimeProvider timeProvider, ILogger<ScanStatsRecorder> logger)
    {
        this.table = table ?? throw new ArgumentNullException(nameof(table));
        var value = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        this.timeProvider = timeProvider ?? throw new ArgumentNullException(nameof(timeProvider));
        this.logger = logger ?? throw new ArgumentNullException(nameof(logger));
        flushInterval = value.FlushInterval;
        InstanceId = value.InstanceId ?? DefaultInstanceId();
    }

    /// <summary>This instance's name in the table's row keys.</summary>
    public string InstanceId { get; }

    /// <summary>Counts one scan. Call once per scanned mail, with the result the engine returned.</summary>
    /// <param name="result">The scan's result; its <see cref="ScanResult.SetDigest"/> names the set.</param>
    /// <param name="role">Whether the set scanned the mail as the active set or as the canary.</param>
    /// <exception cref="ArgumentException">The result has no set digest.</exception>
    public void Record(ScanResult result, ScanRole role)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentException.ThrowIfNullOrEmpty(result.SetDigest, nameof(result));
        var key = new WindowKey(table.WindowStart(timeProvider.GetUtcNow()), result.SetDigest, role);
        windows.GetOrAdd(key, static _ => new ScanStatsAccumulator()).Add(result);
    }

    /// <summary>
    /// What this instance has counted and not yet dropped, per set and role, added over windows: for tests and status.
    /// </summary>
    /// <param name="setDigest">The set.</param>
    /// <param name="role">Only this role; null for both.</param>
    public ScanStats Current(string setDigest, ScanRole? role = null) =>
        windows.Where(pair => pair.Key.SetDigest == setDigest && (role is null || pair.Key.Role == role))
            .Aggregate(ScanStats.Empty, (total, pair) => total.Merge(pair.Value.Snapshot()));

    /// <summary>Writes the figures counted since the last flush to the table. One flush runs at a time.</summary>
    /// <param name="cancellationToken">Cancels the flush; figures not written stay in memory for the next one.</param>
    /// <exception cref="Azure.RequestFailedException">Storage failed; nothing is lost, the next flush writes again.</exception>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        await flushGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var now = timeProvider.GetUtcNow();
            foreach (var (key, accumulator) in windows.OrderBy(pair => pair.Key.WindowStart))
            {
                // A window over for a whole flush interval gets no more scans: write it a last time, then drop it.
                var retire = now >= key.WindowStart + table.Window + flushInterval;
                if (retire)
                {
                    windows.TryRemove(key, out _);
                }

                var stats = accumulator.Snapshot();
                if (stats.Count == accumulator.FlushedCount)
                {
                    continue;
                }

                try
                {
                    await table.WriteAsync(key.SetDigest, key.WindowStart, key.Role, InstanceId, stats, cancellationToken).ConfigureAwait(false);
                }
                catch when (retire)
                {
                    windows.TryAdd(key, accumulator);
                    throw;
                }

                accumulator.FlushedCount = stats.Count;
                LogFlushed(logger, key.SetDigest, key.Role, key.WindowStart, stats.Count);
            }
        }
        finally
        {
            flushGate.Release();
        }
    }

    private static string DefaultInstanceId()
    {
        var machine = InvalidInstanceChars().Replace(Environment.MachineName, "-");
        return $"{machine[..Math.Min(machine.Length, 60)]}-{Guid.NewGuid():N}";
    }

    [GeneratedRegex("[^A-Za-z0-9._-]")]
    private static partial Regex InvalidInstanceChars();

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Scan stats of set {SetDigest} ({Role}) for window {WindowStart} flushed: {Count} scans")]
    private static partial void LogFlushed(ILogger logger, string setDigest, ScanRole role, DateTimeOffset windowStart, long count);

    private readonly record struct WindowKey(DateTimeOffset WindowStart, string SetDigest, ScanRole Role);
}
