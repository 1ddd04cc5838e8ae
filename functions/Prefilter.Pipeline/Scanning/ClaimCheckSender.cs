using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Scanning;

/// <summary>Sends claim checks to the deliver queue.</summary>
public sealed class ClaimCheckSender : IAsyncDisposable
{
    private readonly ServiceBusClient client;
    private readonly ServiceBusSender sender;

    /// <summary>Creates the sender.</summary>
    /// <param name="client">The Service Bus client (connection shared with delivery).</param>
    /// <param name="options">The deliver queue's name.</param>
    public ClaimCheckSender(ServiceBusClient client, IOptions<ServiceBusOptions> options)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(options);
        this.client = client;
        sender = client.CreateSender(options.Value.DeliverQueue);
    }

    /// <summary>Sends one claim check with its stable message id, and the trace context of its send span.</summary>
    /// <param name="claimCheck">The claim check.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <exception cref="ServiceBusException">The send failed; <see cref="ServiceBusException.IsTransient"/> says whether to retry.</exception>
    public async Task SendAsync(ClaimCheck claimCheck, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(claimCheck);
        var message = claimCheck.ToMessage();
        using var activity = PipelineActivities.StartSend(client, sender.EntityPath, message.MessageId);
        MailTraceContext.Inject(activity, message.ApplicationProperties);
        try
        {
            await sender.SendMessageAsync(message, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception)
        {
            PipelineActivities.Failed(activity, exception);
            throw;
        }
        finally
        {
            PipelineMetrics.Sent(sender.EntityPath);
        }
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync() => sender.DisposeAsync();
}
