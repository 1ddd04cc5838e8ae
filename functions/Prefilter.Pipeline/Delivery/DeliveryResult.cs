namespace Prefilter.Pipeline.Delivery;

/// <summary>What <see cref="DeliveryHandler"/> did with one claim-check message.</summary>
public enum DeliveryResult
{
    /// <summary>Every downstream accepted the mail; the message was completed.</summary>
    Delivered,

    /// <summary>The mail already had a final outcome (a duplicate claim check); completed without relaying.</summary>
    AlreadySettled,

    /// <summary>A downstream failed transiently; a copy was scheduled for a later attempt and the message completed.</summary>
    RetryScheduled,

    /// <summary>The mail cannot be delivered (5xx, retries exhausted, bad claim check, missing blob); the message was dead-lettered.</summary>
    DeadLettered,
}
