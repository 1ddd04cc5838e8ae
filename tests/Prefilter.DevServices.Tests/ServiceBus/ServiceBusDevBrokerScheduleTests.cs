using Azure.Messaging.ServiceBus;

namespace Prefilter.DevServices.Tests.ServiceBus;

/// <summary>Scheduled messages through the real SDK: held until their time, cancellable.</summary>
public sealed class ServiceBusDevBrokerScheduleTests : IClassFixture<ServiceBusBrokerFixture>
{
    private static readonly TimeSpan Present = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Absent = TimeSpan.FromSeconds(1);

    private readonly ServiceBusBrokerFixture fixture;

    public ServiceBusDevBrokerScheduleTests(ServiceBusBrokerFixture fixture) => this.fixture = fixture;

    private ServiceBusClient Client => fixture.Client;

    [Fact]
    public async Task Message_scheduled_through_management_is_held_until_its_time()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        var at = fixture.Time.GetUtcNow().AddMinutes(5);

        var sequenceNumber = await sender.ScheduleMessageAsync(new ServiceBusMessage("later") { MessageId = "s-1" }, at);

        Assert.True(sequenceNumber > 0);
        Assert.Equal(new(0, 1, 0, 0), fixture.Broker.GetQueueCounts(queue));
        Assert.Null(await receiver.ReceiveMessageAsync(Absent));
        fixture.Time.Advance(TimeSpan.FromMinutes(5));
        var received = await receiver.ReceiveMessageAsync(Present);
        Assert.NotNull(received);
        Assert.Equal("s-1", received.MessageId);
        Assert.Equal(sequenceNumber, received.SequenceNumber);
        Assert.Equal(at.ToUnixTimeMilliseconds(), received.EnqueuedTime.ToUnixTimeMilliseconds());
        await receiver.CompleteMessageAsync(received);
    }

    [Fact]
    public async Task Message_sent_with_a_scheduled_enqueue_time_is_held_until_its_time()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        var at = fixture.Time.GetUtcNow().AddSeconds(30);

        await sender.SendMessageAsync(new ServiceBusMessage("retry in 30 s") { MessageId = "s-2", ScheduledEnqueueTime = at });

        Assert.Null(await receiver.ReceiveMessageAsync(Absent));
        fixture.Time.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(new(0, 1, 0, 0), fixture.Broker.GetQueueCounts(queue));
        fixture.Time.Advance(TimeSpan.FromSeconds(1));
        var received = await receiver.ReceiveMessageAsync(Present);
        Assert.NotNull(received);
        Assert.Equal("s-2", received.MessageId);
        await receiver.CompleteMessageAsync(received);
    }

    [Fact]
    public async Task Cancelled_scheduled_message_is_never_delivered()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        var cancelled = await sender.ScheduleMessageAsync(new ServiceBusMessage("cancel me") { MessageId = "s-3" }, fixture.Time.GetUtcNow().AddMinutes(1));
        var kept = await sender.ScheduleMessageAsync(new ServiceBusMessage("keep me") { MessageId = "s-4" }, fixture.Time.GetUtcNow().AddMinutes(1));

        await sender.CancelScheduledMessageAsync(cancelled);
        fixture.Time.Advance(TimeSpan.FromMinutes(2));

        var received = await receiver.ReceiveMessageAsync(Present);
        Assert.NotNull(received);
        Assert.Equal(kept, received.SequenceNumber);
        await receiver.CompleteMessageAsync(received);
        Assert.Null(await receiver.ReceiveMessageAsync(Absent));
        var again = await Assert.ThrowsAsync<ServiceBusException>(() => sender.CancelScheduledMessageAsync(cancelled));
        Assert.Equal(ServiceBusFailureReason.MessageNotFound, again.Reason);
    }

    [Fact]
    public async Task Peek_shows_scheduled_and_active_messages_without_locking_them()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("now") { MessageId = "p-1" });
        await sender.ScheduleMessageAsync(new ServiceBusMessage("later") { MessageId = "p-2" }, fixture.Time.GetUtcNow().AddHours(1));

        var peeked = await receiver.PeekMessagesAsync(10);

        Assert.Equal(["p-1", "p-2"], peeked.Select(m => m.MessageId));
        Assert.Equal(new(1, 1, 0, 0), fixture.Broker.GetQueueCounts(queue));
    }
}
