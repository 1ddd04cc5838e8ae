using Prefilter.DevServices.ServiceBus;

namespace Prefilter.Pipeline.Tests.Fixtures;

/// <summary>
/// One Service Bus dev broker for the "pipeline" collection, on the real clock. Tests declare their own queue
/// with <see cref="NewDeliverQueue"/> so they never see each other's messages.
/// </summary>
public sealed class DevBrokerFixture : IAsyncLifetime
{
    private int queues;

    /// <summary>The running broker.</summary>
    public ServiceBusDevBroker Broker { get; private set; } = null!;

    /// <summary>Its connection string (<c>UseDevelopmentEmulator=true</c> form).</summary>
    public string ConnectionString => Broker.ConnectionString;

    /// <summary>Declares a fresh deliver queue configured as in Azure: duplicate detection on.</summary>
    /// <param name="configure">Changes to the defaults.</param>
    /// <returns>The queue name.</returns>
    public string NewDeliverQueue(Action<DevQueueOptions>? configure = null)
    {
        var options = new DevQueueOptions
        {
            Name = $"deliver-p{Interlocked.Increment(ref queues)}",
            LockDuration = TimeSpan.FromSeconds(60),
            MaxDeliveryCount = 10,
            DuplicateDetectionWindow = TimeSpan.FromMinutes(10),
        };
        configure?.Invoke(options);
        Broker.DeclareQueue(options);
        return options.Name;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Broker = new ServiceBusDevBroker(new ServiceBusDevBrokerOptions());
        await Broker.StartAsync();
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Broker is not null)
        {
            await Broker.DisposeAsync();
        }
    }
}
