using Azure.Messaging.ServiceBus;
using Prefilter.Pipeline.Delivery;

namespace Prefilter.Pipeline.Tests.Delivery;

public sealed class DeliveryRetrySchedulerTests
{
    [Fact]
    public void A_retry_copy_gets_an_id_derived_from_the_original_and_its_attempt()
    {
        Assert.Equal("mail-abc:retry:2", DeliveryRetryScheduler.RetryMessageId("mail-abc", 2));
        Assert.NotEqual(DeliveryRetryScheduler.RetryMessageId("mail-abc", 2), DeliveryRetryScheduler.RetryMessageId("mail-abc", 3));
    }

    [Fact]
    public void A_long_original_id_is_hashed_so_the_copy_id_fits_service_bus()
    {
        var longId = new string('m', 125);

        var id = DeliveryRetryScheduler.RetryMessageId(longId, 12);

        Assert.True(id.Length <= 128);
        Assert.EndsWith(":retry:12", id);
        Assert.Equal(id, DeliveryRetryScheduler.RetryMessageId(longId, 12));
    }

    [Fact]
    public void An_original_claim_check_is_attempt_one_and_a_copy_carries_its_attempt_origin_and_first_enqueue_time()
    {
        var enqueued = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var original = ServiceBusModelFactory.ServiceBusReceivedMessage(messageId: "mail-1", enqueuedTime: enqueued);
        var copy = ServiceBusModelFactory.ServiceBusReceivedMessage(
            messageId: "mail-1:retry:3",
            enqueuedTime: enqueued.AddMinutes(10),
            properties: new Dictionary<string, object>
            {
                [DeliveryRetryScheduler.AttemptProperty] = 3,
                [DeliveryRetryScheduler.OriginalMessageIdProperty] = "mail-1",
                [DeliveryRetryScheduler.FirstEnqueuedProperty] = enqueued.ToString("O"),
            });

        Assert.Equal(1, DeliveryRetryScheduler.AttemptOf(original));
        Assert.Equal("mail-1", DeliveryRetryScheduler.OriginalMessageIdOf(original));
        Assert.Equal(enqueued, DeliveryRetryScheduler.FirstEnqueuedOf(original));
        Assert.Equal(3, DeliveryRetryScheduler.AttemptOf(copy));
        Assert.Equal("mail-1", DeliveryRetryScheduler.OriginalMessageIdOf(copy));
        Assert.Equal(enqueued, DeliveryRetryScheduler.FirstEnqueuedOf(copy));
    }

    [Fact]
    public void The_backoff_follows_the_schedule_and_repeats_its_last_entry()
    {
        var options = new DeliveryOptions { Backoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(7)] };

        Assert.Equal(TimeSpan.FromSeconds(1), options.BackoffBefore(2));
        Assert.Equal(TimeSpan.FromSeconds(7), options.BackoffBefore(3));
        Assert.Equal(TimeSpan.FromSeconds(7), options.BackoffBefore(30));
        Assert.Equal(DeliveryOptions.DefaultBackoff[0], new DeliveryOptions().BackoffBefore(2));
    }
}
