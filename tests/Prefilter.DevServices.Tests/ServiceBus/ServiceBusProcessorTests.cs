using Azure.Messaging.ServiceBus;

namespace Prefilter.DevServices.Tests.ServiceBus;

/// <summary>The SDK's <see cref="ServiceBusProcessor"/> against the dev broker, including the drain on stop.</summary>
public sealed class ServiceBusProcessorTests : IClassFixture<ServiceBusBrokerFixture>
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(30);

    private readonly ServiceBusBrokerFixture fixture;

    public ServiceBusProcessorTests(ServiceBusBrokerFixture fixture) => this.fixture = fixture;

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public async Task Processor_completes_every_message_and_stops_when_asked(int prefetchCount)
    {
        var queue = fixture.NewQueue();
        await using var sender = fixture.Client.CreateSender(queue);
        await using var processor = fixture.Client.CreateProcessor(queue, new ServiceBusProcessorOptions
        {
            PrefetchCount = prefetchCount,
            MaxConcurrentCalls = 2,
            MaxAutoLockRenewalDuration = TimeSpan.Zero,
        });
        var ids = Enumerable.Range(1, 5).Select(i => $"p{prefetchCount}-{i}").ToList();
        var seen = new System.Collections.Concurrent.ConcurrentDictionary<string, int>();
        var allSeen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var errors = new System.Collections.Concurrent.ConcurrentQueue<Exception>();
        processor.ProcessMessageAsync += args =>
        {
            seen.AddOrUpdate(args.Message.MessageId, 1, (_, n) => n + 1);
            if (seen.Count == ids.Count)
            {
                allSeen.TrySetResult();
            }

            return Task.CompletedTask;
        };
        processor.ProcessErrorAsync += args =>
        {
            errors.Enqueue(args.Exception);
            return Task.CompletedTask;
        };

        await processor.StartProcessingAsync();
        foreach (var id in ids)
        {
            await sender.SendMessageAsync(new ServiceBusMessage(id) { MessageId = id });
        }

        await allSeen.Task.WaitAsync(Guard);
        await processor.StopProcessingAsync().WaitAsync(Guard);

        Assert.False(processor.IsProcessing);
        Assert.Equal(ids.Order(), seen.Keys.Order());
        Assert.All(seen.Values, count => Assert.Equal(1, count));
        Assert.Empty(errors);
        Assert.Equal(new(0, 0, 0, 0), fixture.Broker.GetQueueCounts(queue));
    }
}
