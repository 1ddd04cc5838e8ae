using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Time.Testing;
using Prefilter.DevServices.ServiceBus;

namespace Prefilter.DevServices.Tests.ServiceBus;

/// <summary>
/// One dev broker and one real SDK client per test class. Time is a <see cref="FakeTimeProvider"/> started at
/// the real clock (the SDK compares lock times with its own clock), so tests move locks and schedules forward
/// without waiting. Each test declares its own queue.
/// </summary>
public sealed class ServiceBusBrokerFixture : IAsyncLifetime
{
    private int queueCount;

    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public ServiceBusDevBroker Broker { get; private set; } = null!;

    public ServiceBusClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Broker = new ServiceBusDevBroker(new ServiceBusDevBrokerOptions(), Time);
        await Broker.StartAsync();
        // Short tries so a broker bug fails the test in seconds instead of hanging in SDK retries.
        Client = new ServiceBusClient(Broker.ConnectionString, new ServiceBusClientOptions
        {
            RetryOptions = new ServiceBusRetryOptions
            {
                Mode = ServiceBusRetryMode.Fixed,
                MaxRetries = 2,
                Delay = TimeSpan.FromMilliseconds(200),
                TryTimeout = TimeSpan.FromSeconds(5),
            },
        });
    }

    /// <summary>Declares a queue with a name no other test uses.</summary>
    public string NewQueue(Action<DevQueueOptions>? configure = null)
    {
        var options = new DevQueueOptions { Name = $"queue-{Interlocked.Increment(ref queueCount)}" };
        configure?.Invoke(options);
        Broker.DeclareQueue(options);
        return options.Name;
    }

    public async Task DisposeAsync()
    {
        await Client.DisposeAsync();
        await Broker.DisposeAsync();
    }
}
