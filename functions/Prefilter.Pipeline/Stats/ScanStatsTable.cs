using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using Azure;
using Azure.Data.Tables;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Stats;

/// <summary>
/// The <c>scanstats</c> table (<see cref="ScanStatsOptions.TableName"/>): one row per (set digest, time window, role, instance). Partition key = set digest;
/// row key = <c>{window start yyyyMMddTHHmmss}_{role}_{instance}</c>, so a time range of a set is one range query and
/// rows of many instances add up.
/// </summary>
/// <remarks>
/// An instance writes the cumulative figures of its window (replace), so a repeated or late flush never counts a
/// scan twice. Each row carries <see cref="CostHistogram.Layout"/>; a row of another layout is refused, not mis-added.
/// </remarks>
public sealed class ScanStatsTable
{
    private const string KeyTimeFormat = "yyyyMMdd'T'HHmmss";
    private readonly TableClient table;
    private readonly TimeSpan window;
    private volatile bool created;

    /// <summary>Creates the adapter.</summary>
    /// <param name="tables">The storage account's table service.</param>
    /// <param name="options">Table name and window size.</param>
    /// <param name="containers">
    /// The container prefix, appended (letters and digits only) to the table name: tests and local runs that isolate
    /// their containers with a prefix get their own figures too, although their sets have the same digests.
    /// </param>
    /// <exception cref="ArgumentException">The table name with the prefix is longer than 63 characters.</exception>
    public ScanStatsTable(TableServiceClient tables, IOptions<ScanStatsOptions> options, PipelineContainers containers)
    {
        ArgumentNullException.ThrowIfNull(tables);
        ArgumentNullException.ThrowIfNull(containers);
        var value = (options ?? throw new ArgumentNullException(nameof(options))).Value;
        var name = value.TableName + string.Concat(containers.Prefix.Where(char.IsAsciiLetterOrDigit));
        if (name.Length > 63)
        {
            throw new ArgumentException($"table name '{name}' (ScanStats:TableName plus the container prefix) is longer than 63 characters", nameof(options));
        }

        table = tables.GetTableClient(name);
        window = value.Window;
    }

    /// <summary>The table's name.</summary>
    public string Name => table.Name;

    /// <summary>The length of one row's time window.</summary>
    public TimeSpan Window => window;

    /// <summary>The start of the window holding a time.</summary>
    /// <param name="at">A time.</param>
    public DateTimeOffset WindowStart(DateTimeOffset at)
    {
        var utc = at.UtcTicks;
        return new DateTimeOffset(utc - (utc % window.Ticks), TimeSpan.Zero);
    }

    /// <summary>Writes (replaces) the figures of one instance for one window.</summary>
    /// <param name="setDigest">The set.</param>
    /// <param name="windowStart">Start of the window.</param>
    /// <param name="role">The set's role.</param>
    /// <param name="instanceId">The writing instance.</param>
    /// <param name="stats">Its cumulative figures for the window.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <exception cref="RequestFailedException">Storage failed; the caller keeps the figures and writes again later.</exception>
    public async Task WriteAsync(string setDigest, DateTimeOffset windowStart, ScanRole role, string instanceId, ScanStats stats, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(setDigest);
        ArgumentException.ThrowIfNullOrEmpty(instanceId);
        ArgumentNullException.ThrowIfNull(stats);
        await EnsureCreatedAsync(cancellationToken).ConfigureAwait(false);
        var buckets = new byte[CostHistogram.BucketCount * sizeof(long)];
        for (var i = 0; i < CostHistogram.BucketCount; i++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(buckets.AsSpan(i * sizeof(long)), stats.CostBuckets[i]);
        }

        var entity = new TableEntity(setDigest, $"{Key(windowStart)}_{RoleName(role)}_{instanceId}")
        {
            ["WindowStart"] = windowStart,
            ["Role"] = RoleName(role),
            ["Instance"] = instanceId,
            ["Layout"] = CostHistogram.Layout,
            ["Count"] = stats.Count,
            ["DeadlineHits"] = stats.DeadlineHits,
            ["Incomplete"] = stats.Incomplete,
            ["Deliver"] = stats.DeliverCount,
            ["Tag"] = stats.TagCount,
            ["Quarantine"] = stats.QuarantineCount,
            ["CostTicks"] = stats.TotalCost.Ticks,
            ["CostBuckets"] = buckets,
        };
        await table.UpsertEntityAsync(entity, TableUpdateMode.Replace, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The rows of a set whose windows overlap [<paramref name="from"/>, <paramref name="to"/>], of every instance.</summary>
    /// <param name="setDigest">The set.</param>
    /// <param name="from">Start of the range.</param>
    /// <param name="to">End of the range.</param>
    /// <param name="role">Only rows of this role; null for both.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The rows; none when there is no table yet.</returns>
    /// <exception cref="ScanStatsFormatException">A row is damaged or has another histogram layout.</exception>
    /// <exception cref="RequestFailedException">Storage failed.</exception>
    public async IAsyncEnumerable<ScanStatsRow> QueryAsync(string setDigest, DateTimeOffset from, DateTimeOffset to, ScanRole? role = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(setDigest);
        var first = Key(WindowStart(from));
        var end = Key(WindowStart(to) + window);
        var filter = role is { } only
            ? TableClient.CreateQueryFilter($"PartitionKey eq {setDigest} and RowKey ge {first} and RowKey lt {end} and Role eq {RoleName(only)}")
            : TableClient.CreateQueryFilter($"PartitionKey eq {setDigest} and RowKey ge {first} and RowKey lt {end}");
        await using var rows = table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken).GetAsyncEnumerator(cancellationToken);
        while (true)
        {
            try
            {
                if (!await rows.MoveNextAsync().ConfigureAwait(false))
                {
                    yield break;
                }
            }
            catch (RequestFailedException exception) when (exception.Status == 404)
            {
                // No instance has flushed yet: no rows.
                yield break;
            }

            yield return FromEntity(rows.Current);
        }
    }

    private static ScanStatsRow FromEntity(TableEntity entity)
    {
        var layout = entity.GetString("Layout");
        if (layout != CostHistogram.Layout)
        {
            throw new ScanStatsFormatException(entity.PartitionKey, entity.RowKey, $"histogram layout '{layout}' is not {CostHistogram.Layout}");
        }

        var buckets = entity.GetBinary("CostBuckets");
        if (buckets is null || buckets.Length != CostHistogram.BucketCount * sizeof(long))
        {
            throw new ScanStatsFormatException(entity.PartitionKey, entity.RowKey, $"CostBuckets must be {CostHistogram.BucketCount * sizeof(long)} bytes, not {buckets?.Length.ToString(CultureInfo.InvariantCulture) ?? "missing"}");
        }

        var counts = new long[CostHistogram.BucketCount];
        for (var i = 0; i < counts.Length; i++)
        {
            counts[i] = BinaryPrimitives.ReadInt64LittleEndian(buckets.AsSpan(i * sizeof(long)));
        }

        if (entity.GetDateTimeOffset("WindowStart") is not { } windowStart)
        {
            throw new ScanStatsFormatException(entity.PartitionKey, entity.RowKey, "WindowStart is missing or not a date");
        }

        try
        {
            return new ScanStatsRow(windowStart, entity.GetString("Role") == RoleName(ScanRole.Canary) ? ScanRole.Canary : ScanRole.Active, new ScanStats(
                Required(entity, "Count"),
                Required(entity, "DeadlineHits"),
                Required(entity, "Incomplete"),
                Required(entity, "Deliver"),
                Required(entity, "Tag"),
                Required(entity, "Quarantine"),
                TimeSpan.FromTicks(Required(entity, "CostTicks")),
                counts));
        }
        catch (ArgumentException exception)
        {
            throw new ScanStatsFormatException(entity.PartitionKey, entity.RowKey, exception.Message);
        }
    }

    private static long Required(TableEntity entity, string name) =>
        entity.GetInt64(name) ?? throw new ScanStatsFormatException(entity.PartitionKey, entity.RowKey, $"{name} is missing or not a 64-bit integer");

    private static string Key(DateTimeOffset windowStart) => windowStart.UtcDateTime.ToString(KeyTimeFormat, CultureInfo.InvariantCulture);

    private static string RoleName(ScanRole role) => role == ScanRole.Canary ? "canary" : "active";

    private async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        if (!created)
        {
            await table.CreateIfNotExistsAsync(cancellationToken).ConfigureAwait(false);
            created = true;
        }
    }
}

/// <summary>One row of the <c>scanstats</c> table: one instance's figures of a set in one window and role.</summary>
/// <param name="WindowStart">Start of the window.</param>
/// <param name="Role">The set's role in it.</param>
/// <param name="Stats">The figures.</param>
public sealed record ScanStatsRow(DateTimeOffset WindowStart, ScanRole Role, ScanStats Stats);
