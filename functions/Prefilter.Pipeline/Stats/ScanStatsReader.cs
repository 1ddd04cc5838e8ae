namespace Prefilter.Pipeline.Stats;

/// <summary>Reads the shared scan figures of a set: every instance's rows over a time range, added up.</summary>
public sealed class ScanStatsReader
{
    private readonly ScanStatsTable table;

    /// <summary>Creates the reader.</summary>
    /// <param name="table">The table.</param>
    public ScanStatsReader(ScanStatsTable table)
    {
        this.table = table ?? throw new ArgumentNullException(nameof(table));
    }

    /// <summary>
    /// The figures of a set over the windows that overlap [<paramref name="from"/>, <paramref name="to"/>] (whole
    /// windows of <see cref="ScanStatsOptions.Window"/>), of all instances, merged exactly.
    /// </summary>
    /// <param name="setDigest">The set's digest.</param>
    /// <param name="from">Start of the range.</param>
    /// <param name="to">End of the range.</param>
    /// <param name="role">Only what the set scanned in this role; null for both.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The merged figures; <see cref="ScanStats.Empty"/> when nothing was recorded.</returns>
    /// <exception cref="ArgumentException"><paramref name="to"/> is before <paramref name="from"/>, or the digest is empty.</exception>
    /// <exception cref="ScanStatsFormatException">A row is damaged or has another histogram layout.</exception>
    /// <exception cref="Azure.RequestFailedException">Storage failed.</exception>
    public async Task<ScanStats> ReadAsync(string setDigest, DateTimeOffset from, DateTimeOffset to, ScanRole? role = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(setDigest);
        if (to < from)
        {
            throw new ArgumentException($"the range ends ({to:O}) before it starts ({from:O})", nameof(to));
        }

        var total = ScanStats.Empty;
        await foreach (var row in table.QueryAsync(setDigest, from, to, role, cancellationToken).ConfigureAwait(false))
        {
            total = total.Merge(row.Stats);
        }

        return total;
    }

    /// <summary>
    /// The figures of a set over [<paramref name="from"/>, <paramref name="to"/>] as a series: the rows of all instances
    /// and both roles merged per bucket of <paramref name="bucket"/> (aligned to the Unix epoch); buckets without scans
    /// are left out.
    /// </summary>
    /// <param name="setDigest">The set's digest.</param>
    /// <param name="from">Start of the range.</param>
    /// <param name="to">End of the range.</param>
    /// <param name="bucket">Length of one point; a multiple of the table's window keeps windows whole.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The points, oldest first.</returns>
    /// <exception cref="ArgumentException"><paramref name="to"/> is before <paramref name="from"/>, the digest is empty, or the bucket is not positive.</exception>
    /// <exception cref="ScanStatsFormatException">A row is damaged or has another histogram layout.</exception>
    /// <exception cref="Azure.RequestFailedException">Storage failed.</exception>
    public async Task<IReadOnlyList<ScanStatsPoint>> ReadSeriesAsync(string setDigest, DateTimeOffset from, DateTimeOffset to, TimeSpan bucket, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(setDigest);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(bucket, TimeSpan.Zero);
        if (to < from)
        {
            throw new ArgumentException($"the range ends ({to:O}) before it starts ({from:O})", nameof(to));
        }

        var points = new SortedDictionary<DateTimeOffset, ScanStats>();
        await foreach (var row in table.QueryAsync(setDigest, from, to, cancellationToken: cancellationToken).ConfigureAwait(false))
        {
            var ticks = row.WindowStart.UtcTicks;
            var start = new DateTimeOffset(ticks - (ticks % bucket.Ticks), TimeSpan.Zero);
            points[start] = points.TryGetValue(start, out var known) ? known.Merge(row.Stats) : row.Stats;
        }

        return [.. points.Where(point => point.Value.Count > 0).Select(point => new ScanStatsPoint(point.Key, point.Value))];
    }
}

/// <summary>A set's merged figures in one bucket of time.</summary>
/// <param name="Start">Start of the bucket.</param>
/// <param name="Stats">The figures.</param>
public sealed record ScanStatsPoint(DateTimeOffset Start, ScanStats Stats);
