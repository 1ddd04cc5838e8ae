using Azure.Messaging.ServiceBus;

namespace Prefilter.DevServices.Tests.ServiceBus;

/// <summary>The dev broker through the real Azure.Messaging.ServiceBus client: send, receive and settle.</summary>
public sealed class ServiceBusDevBrokerTests : IClassFixture<ServiceBusBrokerFixture>
{
    private static readonly TimeSpan Present = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Absent = TimeSpan.FromSeconds(1);

    private readonly ServiceBusBrokerFixture fixture;

    public ServiceBusDevBrokerTests(ServiceBusBrokerFixture fixture) => this.fixture = fixture;

    private ServiceBusClient Client => fixture.Client;

    [Fact]
    public async Task Sent_message_is_received_with_broker_annotations_and_gone_after_complete()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        var message = new ServiceBusMessage("hello") { MessageId = "m-1", Subject = "greeting" };
        message.ApplicationProperties["tenant"] = "example.org";

        await sender.SendMessageAsync(message);
        var received = await receiver.ReceiveMessageAsync(Present);

        Assert.NotNull(received);
        Assert.Equal("hello", received.Body.ToString());
        Assert.Equal("m-1", received.MessageId);
        Assert.Equal("greeting", received.Subject);
        Assert.Equal("example.org", received.ApplicationProperties["tenant"]);
        Assert.Equal(1, received.DeliveryCount);
        Assert.True(received.SequenceNumber > 0);
        Assert.NotEqual(default, received.LockToken);
        Assert.Equal(fixture.Time.GetUtcNow().ToUnixTimeMilliseconds(), received.EnqueuedTime.ToUnixTimeMilliseconds());
        Assert.Equal(new(0, 0, 1, 0), fixture.Broker.GetQueueCounts(queue));

        await receiver.CompleteMessageAsync(received);

        Assert.Equal(new(0, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));
        Assert.Null(await receiver.ReceiveMessageAsync(Absent));
    }

    [Fact]
    public async Task Abandoned_message_is_redelivered_with_delivery_count_two()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        await sender.SendMessageAsync(new ServiceBusMessage("retry me") { MessageId = "a-1" });

        var first = await receiver.ReceiveMessageAsync(Present);
        Assert.NotNull(first);
        await receiver.AbandonMessageAsync(first, new Dictionary<string, object> { ["attempt"] = "first" });
        var second = await receiver.ReceiveMessageAsync(Present);

        Assert.NotNull(second);
        Assert.Equal("a-1", second.MessageId);
        Assert.Equal(2, second.DeliveryCount);
        Assert.Equal(first.SequenceNumber, second.SequenceNumber);
        Assert.NotEqual(first.LockToken, second.LockToken);
        Assert.Equal("first", second.ApplicationProperties["attempt"]);
        await receiver.CompleteMessageAsync(second);
    }

    [Fact]
    public async Task Dead_lettered_message_is_read_from_the_dead_letter_queue_with_reason_and_description()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        await using var deadLetters = Client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        await sender.SendMessageAsync(new ServiceBusMessage("poison") { MessageId = "d-1" });

        var received = await receiver.ReceiveMessageAsync(Present);
        Assert.NotNull(received);
        await receiver.DeadLetterMessageAsync(received, "SmtpPermanentFailure", "550 5.1.1 user unknown");

        Assert.Equal(new(0, 0, 0, 1), fixture.Broker.GetQueueCounts(queue));
        var dead = await deadLetters.ReceiveMessageAsync(Present);
        Assert.NotNull(dead);
        Assert.Equal("d-1", dead.MessageId);
        Assert.Equal("poison", dead.Body.ToString());
        Assert.Equal("SmtpPermanentFailure", dead.DeadLetterReason);
        Assert.Equal("550 5.1.1 user unknown", dead.DeadLetterErrorDescription);
        Assert.Equal(queue, dead.DeadLetterSource);
        await deadLetters.CompleteMessageAsync(dead);
        Assert.Equal(new(0, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));
        Assert.Null(await receiver.ReceiveMessageAsync(Absent));
    }

    [Fact]
    public async Task Message_abandoned_max_delivery_count_times_is_dead_lettered()
    {
        var queue = fixture.NewQueue(q => q.MaxDeliveryCount = 3);
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        await using var deadLetters = Client.CreateReceiver(queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        await sender.SendMessageAsync(new ServiceBusMessage("never works") { MessageId = "x-1" });

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var received = await receiver.ReceiveMessageAsync(Present);
            Assert.NotNull(received);
            Assert.Equal(attempt, received.DeliveryCount);
            await receiver.AbandonMessageAsync(received);
        }

        Assert.Null(await receiver.ReceiveMessageAsync(Absent));
        var dead = await deadLetters.ReceiveMessageAsync(Present);
        Assert.NotNull(dead);
        Assert.Equal("x-1", dead.MessageId);
        Assert.Equal("MaxDeliveryCountExceeded", dead.DeadLetterReason);
        await deadLetters.CompleteMessageAsync(dead);
    }

    [Fact]
    public async Task Batch_send_delivers_every_message_in_order()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        using var batch = await sender.CreateMessageBatchAsync();
        foreach (var id in new[] { "b-1", "b-2", "b-3" })
        {
            Assert.True(batch.TryAddMessage(new ServiceBusMessage($"body of {id}") { MessageId = id }));
        }

        await sender.SendMessagesAsync(batch);

        var received = await ReceiveAsync(receiver, 3);
        Assert.Equal(["b-1", "b-2", "b-3"], received.Select(m => m.MessageId));
        Assert.Equal(["body of b-1", "body of b-2", "body of b-3"], received.Select(m => m.Body.ToString()));
        foreach (var message in received)
        {
            await receiver.CompleteMessageAsync(message);
        }

        Assert.Equal(new(0, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));
    }

    [Fact]
    public async Task Broker_sends_no_more_messages_than_the_receiver_gave_credit_for()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue);
        for (var i = 0; i < 5; i++)
        {
            await sender.SendMessageAsync(new ServiceBusMessage($"m{i}"));
        }

        var received = await receiver.ReceiveMessagesAsync(2, Present);

        Assert.InRange(received.Count, 1, 2);
        var counts = fixture.Broker.GetQueueCounts(queue);
        Assert.InRange(counts.Locked, received.Count, 2);
        Assert.Equal(5, counts.Active + counts.Locked);
    }

    [Fact]
    public async Task Duplicate_message_id_within_the_window_is_delivered_once()
    {
        var queue = fixture.NewQueue(q => q.DuplicateDetectionWindow = TimeSpan.FromMinutes(10));
        await using var sender = Client.CreateSender(queue);
        var receiver = Client.CreateReceiver(queue);

        await sender.SendMessageAsync(new ServiceBusMessage("first") { MessageId = "same" });
        await sender.SendMessageAsync(new ServiceBusMessage("second") { MessageId = "same" });
        await sender.SendMessageAsync(new ServiceBusMessage("other") { MessageId = "different" });

        var received = await ReceiveAsync(receiver, 2);
        Assert.Equal(["first", "other"], received.Select(m => m.Body.ToString()));
        Assert.Null(await receiver.ReceiveMessageAsync(Absent));
        foreach (var message in received)
        {
            await receiver.CompleteMessageAsync(message);
        }

        // A receive that timed out leaves its link credit behind: the SDK releases a message that arrives on it and,
        // now and then, the one redelivered to its next receive too. A new receiver has no such credit.
        await receiver.DisposeAsync();
        fixture.Time.Advance(TimeSpan.FromMinutes(11));
        await sender.SendMessageAsync(new ServiceBusMessage("after the window") { MessageId = "same" });
        await using var next = Client.CreateReceiver(queue);
        var later = await next.ReceiveMessageAsync(Present);
        Assert.NotNull(later);
        Assert.Equal("after the window", later.Body.ToString());
    }

    [Fact]
    public async Task Sends_and_receives_from_many_clients_at_once_deliver_each_message_exactly_once()
    {
        var queue = fixture.NewQueue();
        const int senders = 4;
        const int perSender = 50;
        var sends = Enumerable.Range(0, senders).Select(async s =>
        {
            await using var sender = Client.CreateSender(queue);
            for (var i = 0; i < perSender; i++)
            {
                await sender.SendMessageAsync(new ServiceBusMessage($"{s}-{i}") { MessageId = $"{s}-{i}" });
            }
        });
        var seen = new System.Collections.Concurrent.ConcurrentBag<string>();
        var total = senders * perSender;
        // A lost message must fail the test, not keep the receivers polling forever.
        using var giveUp = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var receives = Enumerable.Range(0, 3).Select(async _ =>
        {
            await using var receiver = Client.CreateReceiver(queue);
            while (seen.Count < total && !giveUp.IsCancellationRequested)
            {
                foreach (var message in await receiver.ReceiveMessagesAsync(10, TimeSpan.FromSeconds(1)))
                {
                    seen.Add(message.MessageId);
                    await receiver.CompleteMessageAsync(message);
                }
            }
        });

        await Task.WhenAll(sends.Concat(receives));

        Assert.Equal(total, seen.Count);
        Assert.Equal(total, seen.Distinct().Count());
        Assert.Equal(new(0, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));
    }

    [Fact]
    public async Task Receive_and_delete_removes_the_message_on_delivery()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);
        await using var receiver = Client.CreateReceiver(queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        await sender.SendMessageAsync(new ServiceBusMessage("once") { MessageId = "rd-1" });

        var received = await receiver.ReceiveMessageAsync(Present);

        Assert.NotNull(received);
        Assert.Equal("rd-1", received.MessageId);
        Assert.Equal(new(0, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));
    }

    [Fact]
    public async Task Message_larger_than_the_announced_limit_is_refused_before_it_is_sent()
    {
        var queue = fixture.NewQueue();
        await using var sender = Client.CreateSender(queue);

        var error = await Assert.ThrowsAsync<ServiceBusException>(
            () => sender.SendMessageAsync(new ServiceBusMessage(new byte[300 * 1024])));

        Assert.Equal(ServiceBusFailureReason.MessageSizeExceeded, error.Reason);
        await sender.SendMessageAsync(new ServiceBusMessage(new byte[200 * 1024]));
        Assert.Equal(new(1, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));
    }

    [Fact]
    public async Task Unknown_queue_fails_fast_as_entity_not_found()
    {
        await using var sender = Client.CreateSender("no-such-queue");

        var error = await Assert.ThrowsAsync<ServiceBusException>(() => sender.SendMessageAsync(new ServiceBusMessage("x")));

        Assert.Equal(ServiceBusFailureReason.MessagingEntityNotFound, error.Reason);
    }

    internal static async Task<List<ServiceBusReceivedMessage>> ReceiveAsync(ServiceBusReceiver receiver, int count)
    {
        var received = new List<ServiceBusReceivedMessage>();
        while (received.Count < count)
        {
            var batch = await receiver.ReceiveMessagesAsync(count - received.Count, Present);
            Assert.NotEmpty(batch);
            received.AddRange(batch);
        }

        return received;
    }
}
