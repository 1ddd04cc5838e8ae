using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// How the delivery stage consumes the <c>deliver</c> queue (named by <c>ServiceBus:DeliverQueue</c>) and retries;
/// bound from the <c>Delivery</c> section.
/// </summary>
public sealed class DeliveryOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Delivery";

    /// <summary>
    /// Waits before the 2nd, 3rd, … attempt after a transient failure; the last entry repeats. Null or empty for
    /// <see cref="DefaultBackoff"/>. (A list with defaults would be appended to, not replaced, by configuration binding.)
    /// </summary>
    public TimeSpan[]? Backoff { get; set; }

    /// <summary>Used when <see cref="Backoff"/> is not set: 1 min, 5 min, 15 min, 30 min, then hourly.</summary>
    public static IReadOnlyList<TimeSpan> DefaultBackoff { get; } =
        [TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(15), TimeSpan.FromMinutes(30), TimeSpan.FromHours(1)];

    /// <summary>Attempts in all, the first included, before a transiently failing mail is dead-lettered.</summary>
    [Range(1, 1000)]
    public int MaxAttempts { get; set; } = 30;

    /// <summary>
    /// How long after its first delivery attempt a mail may still be retried; older mail that fails again is
    /// dead-lettered. Two days, well inside the four to five days senders' MTAs usually keep retrying.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(2);

    /// <summary>Mails relayed at the same time by one instance.</summary>
    [Range(1, 256)]
    public int MaxConcurrentCalls { get; set; } = 8;

    /// <summary>
    /// How long the processor keeps renewing a message's lock while its relay runs; longer than the slowest relay
    /// (a 50 MB mail to a slow downstream), so the lock is not lost mid-relay and the mail delivered twice.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan MaxAutoLockRenewalDuration { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The wait before attempt <paramref name="attempt"/> (2 or more).</summary>
    /// <param name="attempt">The attempt about to be scheduled.</param>
    public TimeSpan BackoffBefore(int attempt)
    {
        IReadOnlyList<TimeSpan> schedule = Backoff is { Length: > 0 } configured ? configured : DefaultBackoff;
        return schedule[Math.Clamp(attempt - 2, 0, schedule.Count - 1)];
    }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Backoff is not null && Backoff.Any(wait => wait < TimeSpan.Zero))
        {
            yield return new ValidationResult("Delivery:Backoff entries must not be negative", [nameof(Backoff)]);
        }
    }
}
