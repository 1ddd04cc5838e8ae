namespace Prefilter.Pipeline.Stats;

/// <summary>A stored row of scan figures cannot be read (damaged, or written with another histogram layout). Not retryable.</summary>
public sealed class ScanStatsFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="partitionKey">The row's partition key (set digest).</param>
    /// <param name="rowKey">The row's key.</param>
    /// <param name="reason">What is wrong.</param>
    public ScanStatsFormatException(string partitionKey, string rowKey, string reason)
        : base($"scan stats row {partitionKey}/{rowKey}: {reason}")
    {
        PartitionKey = partitionKey;
        RowKey = rowKey;
        Reason = reason;
    }

    /// <summary>The row's partition key (set digest).</summary>
    public string PartitionKey { get; }

    /// <summary>The row's key.</summary>
    public string RowKey { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}
