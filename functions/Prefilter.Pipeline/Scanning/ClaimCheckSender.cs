using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Messaging;

namespace Prefilter.Pipeline.Scanning;

/// <summary>Sends claim checks to the deliver queue.</summary>
public sealed class ClaimCheckSender : IAsyncDisposable
{
    private readonly ServiceBusSender sender;

    /// <summary>Creates the sender.</summary>
    /// <param name="client">The Service Bus client (connection shared with delivery).</param>
    /// <param name="options">The deliver queue's name.</param>
    public ClaimCheckSender(ServiceBusClient client, IOptions<ServiceBusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        sender = client.CreateSender(options.Value.DeliverQueue);
    }

    /// <summary>Sends one claim check with its stable message id.</summary>
    /// <param name="claimCheck">The claim check.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="ServiceBusException">The send failed; <see cref="ServiceBusException.IsTransient"/> says whether to retry.</exception>
    public Task SendAsync(ClaimCheck claimCheck, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claimCheck);
        return sender.SendMessageAsync(claimCheck.ToMessage(), cancellationToken);
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => sender.DisposeAsync();
}
