namespace Prefilter.DevServices.ServiceBus;

/// <summary>Messages in one queue by state, as the broker sees them at one instant.</summary>
/// <param name="Active">Available for delivery now.</param>
/// <param name="Scheduled">Held until their scheduled enqueue time.</param>
/// <param name="Locked">Delivered to a peek-lock receiver and not yet settled.</param>
/// <param name="DeadLettered">In the queue's dead-letter queue (any state there).</param>
public readonly record struct QueueCounts(int Active, int Scheduled, int Locked, int DeadLettered);
