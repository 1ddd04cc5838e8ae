using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Stats;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Stats;

/// <summary>The deliver queue's backlog age, peeked through the real SDK from the dev broker.</summary>
[Collection(PipelineCollection.Name)]
public sealed class DeliveryBacklogTests(DevBrokerFixture broker)
{
    [Fact]
    public async Task The_age_is_that_of_the_oldest_waiting_message_and_peeking_takes_nothing_away()
    {
        var queue = broker.NewDeliverQueue();
        await using var client = new ServiceBusClient(broker.ConnectionString);
        var time = new FakeTimeProvider();
        await using var backlog = new ServiceBusDeliveryBacklog(client, Options.Create(new ServiceBusOptions { ConnectionString = broker.ConnectionString, DeliverQueue = queue }), time);
        await using var sender = client.CreateSender(queue);

        Assert.Null(await backlog.OldestMessageAgeAsync());

        var beforeFirst = DateTimeOffset.UtcNow;
        await sender.SendMessageAsync(new ServiceBusMessage("first") { MessageId = "first" });
        var afterFirst = DateTimeOffset.UtcNow;
        await sender.SendMessageAsync(new ServiceBusMessage("second") { MessageId = "second" });
        time.SetUtcNow(afterFirst.AddMinutes(20));

        // Twice: a second peek must start from the beginning again, not after what the first one saw.
        foreach (var _ in new[] { 1, 2 })
        {
            var age = await backlog.OldestMessageAgeAsync();
            Assert.NotNull(age);
            Assert.InRange(age.Value, TimeSpan.FromMinutes(20) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(20) + (afterFirst - beforeFirst) + TimeSpan.FromSeconds(1));
        }

        Assert.Equal(2, broker.Broker.GetQueueCounts(queue).Active);

        await using var receiver = client.CreateReceiver(queue);
        var first = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("first", first.MessageId);
        await receiver.CompleteMessageAsync(first);
        var second = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
        await receiver.CompleteMessageAsync(second);

        Assert.Null(await backlog.OldestMessageAgeAsync());
    }

    [Fact]
    public async Task Retries_scheduled_for_later_are_not_backlog_and_do_not_hide_the_mail_queued_behind_them()
    {
        var queue = broker.NewDeliverQueue();
        await using var client = new ServiceBusClient(broker.ConnectionString);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var backlog = new ServiceBusDeliveryBacklog(client, Options.Create(new ServiceBusOptions { ConnectionString = broker.ConnectionString, DeliverQueue = queue }), time);
        await using var sender = client.CreateSender(queue);

        // More than a peek page of retries waiting for a downstream, ahead of a fresh mail in sequence order.
        var retries = Enumerable.Range(0, ServiceBusDeliveryBacklog.PeekPageSize + 20).Select(i => new ServiceBusMessage($"retry {i}") { MessageId = $"retry-{i}" });
        await sender.ScheduleMessagesAsync(retries, DateTimeOffset.UtcNow.AddHours(2));
        Assert.Null(await backlog.OldestMessageAgeAsync());

        var beforeFresh = DateTimeOffset.UtcNow;
        await sender.SendMessageAsync(new ServiceBusMessage("fresh") { MessageId = "fresh" });
        var afterFresh = DateTimeOffset.UtcNow;
        time.SetUtcNow(afterFresh.AddMinutes(20));

        var age = await backlog.OldestMessageAgeAsync();
        Assert.NotNull(age);
        Assert.InRange(age.Value, TimeSpan.FromMinutes(20) - TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(20) + (afterFresh - beforeFresh) + TimeSpan.FromSeconds(1));

        // Once their time has come, the retries wait for a worker too: their age counts from then.
        await using var receiver = client.CreateReceiver(queue);
        var fresh = await receiver.ReceiveMessageAsync(TimeSpan.FromSeconds(10));
        Assert.Equal("fresh", fresh.MessageId);
        await receiver.CompleteMessageAsync(fresh);
        time.SetUtcNow(DateTimeOffset.UtcNow.AddHours(2).AddMinutes(30));
        age = await backlog.OldestMessageAgeAsync();
        Assert.NotNull(age);
        Assert.InRange(age.Value, TimeSpan.FromMinutes(29), TimeSpan.FromMinutes(31));
    }
}
