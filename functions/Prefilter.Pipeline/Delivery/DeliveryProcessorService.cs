using System.Diagnostics;
using Azure.Messaging.ServiceBus;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// Consumes the <c>deliver</c> queue with a peek-lock <see cref="ServiceBusProcessor"/> and hands each message to
/// <see cref="DeliveryHandler"/>. It stands in for a Service Bus trigger binding, which the isolated worker cannot
/// use here: the Functions app hosts it as a hosted service. Messages are never completed automatically; the
/// handler settles each one after the downstream answered. Stopping it stops taking messages, cancels the relays
/// in flight and leaves their messages unsettled, so they come back once their locks are released or expire.
/// </summary>
public sealed class DeliveryProcessorService : IHostedService, IAsyncDisposable
{
    private readonly ServiceBusClient client;
    private readonly DeliveryHandler handler;
    private readonly DeliveryOptions options;
    private readonly string queueName;
    private readonly ILogger<DeliveryProcessorService> logger;
    private readonly SemaphoreSlim gate = new(1, 1);
    private ServiceBusProcessor? processor;

    /// <summary>Creates the service; nothing is received before <see cref="StartAsync"/>.</summary>
    /// <param name="client">The Service Bus client (dev broker locally, managed identity in Azure).</param>
    /// <param name="handler">Delivers one claim check.</param>
    /// <param name="options">Concurrency, lock renewal.</param>
    /// <param name="serviceBus">The queue name.</param>
    /// <param name="logger">Where processor errors are logged.</param>
    public DeliveryProcessorService(
        ServiceBusClient client,
        DeliveryHandler handler,
        IOptions<DeliveryOptions> options,
        IOptions<ServiceBusOptions> serviceBus,
        ILogger<DeliveryProcessorService> logger)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(handler);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(serviceBus);
        ArgumentNullException.ThrowIfNull(logger);
        this.client = client;
        this.handler = handler;
        this.options = options.Value;
        queueName = serviceBus.Value.DeliverQueue;
        this.logger = logger;
    }

    /// <summary>Whether the processor is receiving.</summary>
    public bool IsProcessing => processor?.IsProcessing ?? false;

    /// <summary>Starts receiving; a stopped service can be started again.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (processor is not null)
            {
                return;
            }

            var created = client.CreateProcessor(queueName, new ServiceBusProcessorOptions
            {
                ReceiveMode = ServiceBusReceiveMode.PeekLock,
                AutoCompleteMessages = false,
                MaxConcurrentCalls = options.MaxConcurrentCalls,
                MaxAutoLockRenewalDuration = options.MaxAutoLockRenewalDuration,
            });
            created.ProcessMessageAsync += ProcessAsync;
            created.ProcessErrorAsync += OnErrorAsync;
            await created.StartProcessingAsync(cancellationToken).ConfigureAwait(false);
            processor = created;
            logger.LogInformation("Delivery processor started on queue {Queue} with {MaxConcurrentCalls} concurrent calls", queueName, options.MaxConcurrentCalls);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops receiving, cancels relays in flight and waits for their handlers to return.</summary>
    /// <param name="cancellationToken">Ends the wait for a graceful stop.</param>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (processor is null)
            {
                return;
            }

            var stopping = processor;
            processor = null;
            try
            {
                await stopping.StopProcessingAsync(cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                await stopping.DisposeAsync().ConfigureAwait(false);
            }

            logger.LogInformation("Delivery processor stopped on queue {Queue}", queueName);
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Stops the processor if it runs. Safe to call more than once (the host and its container both may).</summary>
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);

    private async Task ProcessAsync(ProcessMessageEventArgs args)
    {
        using var activity = PipelineActivities.StartProcess(client, queueName, args.Message);
        var started = Stopwatch.GetTimestamp();
        string? errorType = null;
        try
        {
            var result = await handler.HandleAsync(args.Message, new ProcessorSettlement(args), args.CancellationToken).ConfigureAwait(false);
            activity?.SetTag(TelemetryAttributes.DeliveryResult, PipelineMetrics.TagValue(result))
                .SetTag(TelemetryAttributes.ServiceBusDisposition, result == DeliveryResult.DeadLettered ? "dead_letter" : "complete");
        }
        catch (Exception exception)
        {
            errorType = exception.GetType().FullName;
            PipelineActivities.Failed(activity, exception);
            throw;
        }
        finally
        {
            PipelineMetrics.Processed(queueName, Stopwatch.GetElapsedTime(started), errorType);
        }
    }

    private Task OnErrorAsync(ProcessErrorEventArgs args)
    {
        if (args.Exception is OperationCanceledException && !IsProcessing)
        {
            return Task.CompletedTask;
        }

        logger.LogError(args.Exception, "Delivery processor error on {EntityPath} during {ErrorSource}", args.EntityPath, args.ErrorSource);
        return Task.CompletedTask;
    }

    private sealed class ProcessorSettlement(ProcessMessageEventArgs args) : IDeliverySettlement
    {
        public Task CompleteAsync(CancellationToken cancellationToken = default) =>
            args.CompleteMessageAsync(args.Message, cancellationToken);

        public Task DeadLetterAsync(string reason, string description, CancellationToken cancellationToken = default) =>
            args.DeadLetterMessageAsync(args.Message, reason, description, cancellationToken);
    }
}
