using Azure.Messaging.ServiceBus;

namespace Prefilter.DevServices.Tests.ServiceBus;

/// <summary>Peek-lock rules through the real SDK: lock renewal, lock expiry, and release when a receiver closes.</summary>
public sealed class ServiceBusDevBrokerLockTests : IClassFixture<ServiceBusBrokerFixture>
{
    private static readonly TimeSpan Present = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Absent = TimeSpan.FromSeconds(1);

    private readonly ServiceBusBrokerFixture fixture;

    public ServiceBusDevBrokerLockTests(ServiceBusBrokerFixture fixture) => this.fixture = fixture;

    private ServiceBusClient Client => fixture.Client;

    [Fact]
    public async Task Renewing_a_lock_extends_locked_until_and_keeps_the_message_past_its_first_expiry()
    {
        var queue = fixture.NewQueue(q => q.LockDuration = TimeSpan.FromSeconds(30));
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("slow relay") { MessageId = "r-1" });
        var received = await receiver.ReceiveMessageAsync(Present);
        Assert.NotNull(received);
        var firstLockedUntil = received.LockedUntil;
        Assert.Equal(fixture.Time.GetUtcNow().AddSeconds(30).ToUnixTimeMilliseconds(), firstLockedUntil.ToUnixTimeMilliseconds());

        fixture.Time.Advance(TimeSpan.FromSeconds(20));
        await receiver.RenewMessageLockAsync(received);
        fixture.Time.Advance(TimeSpan.FromSeconds(20));

        Assert.Equal(firstLockedUntil.AddSeconds(20).ToUnixTimeMilliseconds(), received.LockedUntil.ToUnixTimeMilliseconds());
        Assert.Equal(new(0, 0, 1, 0), fixture.Broker.GetQueueCounts(queue));
        await receiver.CompleteMessageAsync(received);
        Assert.Equal(new(0, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));
    }

    [Fact]
    public async Task Expired_lock_redelivers_the_message_as_a_new_attempt_and_the_old_lock_is_lost()
    {
        var queue = fixture.NewQueue(q => q.LockDuration = TimeSpan.FromSeconds(30));
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("stuck worker") { MessageId = "e-1" });
        var first = await receiver.ReceiveMessageAsync(Present);
        Assert.NotNull(first);

        fixture.Time.Advance(TimeSpan.FromSeconds(31));
        var second = await receiver.ReceiveMessageAsync(Present);

        Assert.NotNull(second);
        Assert.Equal("e-1", second.MessageId);
        Assert.Equal(2, second.DeliveryCount);
        var lost = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.CompleteMessageAsync(first));
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, lost.Reason);
        var renewLost = await Assert.ThrowsAsync<ServiceBusException>(() => receiver.RenewMessageLockAsync(first));
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, renewLost.Reason);
        await receiver.CompleteMessageAsync(second);
        Assert.Equal(new(0, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));
    }

    [Fact]
    public async Task Lock_expiry_counts_toward_max_delivery_count()
    {
        var queue = fixture.NewQueue(q =>
        {
            q.LockDuration = TimeSpan.FromSeconds(30);
            q.MaxDeliveryCount = 1;
        });
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("crashes the worker") { MessageId = "c-1" });
        Assert.NotNull(await receiver.ReceiveMessageAsync(Present));

        fixture.Time.Advance(TimeSpan.FromSeconds(31));

        Assert.Equal(new(0, 0, 0, 1), fixture.Broker.GetQueueCounts(queue));
        await using var deadLetters = Client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await deadLetters.ReceiveMessageAsync(Present);
        Assert.NotNull(dead);
        Assert.Equal("MaxDeliveryCountExceeded", dead.DeadLetterReason);
    }

    [Fact]
    public async Task Closing_a_receiver_with_a_locked_message_releases_it_to_the_next_receiver()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("in flight") { MessageId = "l-1" });
        var crashed = Client.CreateReceiver(queue);
        var first = await crashed.ReceiveMessageAsync(Present);
        Assert.NotNull(first);

        await crashed.CloseAsync();
        await using var restarted = Client.CreateReceiver(queue);
        var second = await restarted.ReceiveMessageAsync(Present);

        Assert.NotNull(second);
        Assert.Equal("l-1", second.MessageId);
        Assert.Equal(2, second.DeliveryCount);
        await restarted.CompleteMessageAsync(second);
        Assert.Null(await restarted.ReceiveMessageAsync(Absent));
    }

    [Theory]
    [InlineData("complete", 0, 0)]
    [InlineData("abandon", 1, 0)]
    [InlineData("dead-letter", 0, 1)]
    public async Task Message_locked_by_one_receiver_is_settled_by_lock_token_through_another(string settlement, int active, int deadLettered)
    {
        // The second receiver's link does not know the delivery, so the SDK settles through the management node.
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var first = Client.CreateReceiver(queue);
        await using var second = Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("handed over") { MessageId = "h-1" });
        var received = await first.ReceiveMessageAsync(Present);
        Assert.NotNull(received);

        await (settlement switch
        {
            "complete" => second.CompleteMessageAsync(received),
            "abandon" => second.AbandonMessageAsync(received),
            _ => second.DeadLetterMessageAsync(received, "HandedOver", "settled by another receiver"),
        });

        Assert.Equal(new(active, 0, 0, deadLettered), fixture.Broker.GetQueueCounts(queue));
        var lost = await Assert.ThrowsAsync<ServiceBusException>(() => second.CompleteMessageAsync(received));
        Assert.Equal(ServiceBusFailureReason.MessageLockLost, lost.Reason);
    }

    [Fact]
    public async Task Message_past_its_time_to_live_is_dead_lettered_when_the_queue_says_so()
    {
        var queue = fixture.NewQueue(q => q.DeadLetteringOnMessageExpiration = true);
        await using var sender = Client.CreateSender(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("stale") { MessageId = "t-1", TimeToLive = TimeSpan.FromMinutes(1) });
        Assert.Equal(new(1, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));

        fixture.Time.Advance(TimeSpan.FromMinutes(2));

        Assert.Equal(new(0, 0, 0, 1), fixture.Broker.GetQueueCounts(queue));
        await using var deadLetters = Client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await deadLetters.ReceiveMessageAsync(Present);
        Assert.NotNull(dead);
        Assert.Equal("t-1", dead.MessageId);
        Assert.Equal("TTLExpiredException", dead.DeadLetterReason);
    }
}
