namespace Prefilter.Pipeline.Stats;

/// <summary>How far behind delivery is: the age of the oldest mail waiting in the deliver queue.</summary>
public interface IDeliveryBacklog
{
    /// <summary>
    /// The age of the oldest message waiting for a delivery worker; null when none is. A retry scheduled for later
    /// is not waiting yet.
    /// </summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    Task<TimeSpan?> OldestMessageAgeAsync(CancellationToken cancellationToken = default);
}
