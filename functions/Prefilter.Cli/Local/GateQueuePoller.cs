using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prefilter.Pipeline.Release;

namespace Prefilter.Cli.Local;

/// <summary>
/// The local stand-in for the queue trigger of <c>RunReleaseGate</c>: takes gate requests from Azurite's gate queue one
/// at a time and hands each to <see cref="ReleaseGateHandler"/>, as the queue extension does with host.json's
/// <c>batchSize</c> 1: deleted when the handler returns, visible again after <see cref="LocalStackOptions.GateRetryDelay"/>
/// when it throws, so the message's dequeue count rises as in Azure.
/// </summary>
internal sealed partial class GateQueuePoller(GateRequestQueue queue, ReleaseGateHandler handler, TimeProvider timeProvider, LocalStackOptions options, ILogger<GateQueuePoller> logger)
    : BackgroundService
{
    // Longer than any gate run here; a run that outlives it would be handed out a second time, as in Azure.
    private static readonly TimeSpan Visibility = TimeSpan.FromMinutes(10);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var created = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            Azure.Storage.Queues.Models.QueueMessage? message;
            try
            {
                // Inside the loop: this service starts on the thread pool after the host, so storage may already be
                // down when it first gets to run.
                if (!created)
                {
                    await queue.Client.CreateIfNotExistsAsync(cancellationToken: stoppingToken);
                    created = true;
                }

                message = (await queue.Client.ReceiveMessageAsync(Visibility, stoppingToken)).Value;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // Storage down (Azurite restarting; once the client's retries are spent it throws an AggregateException):
                // an unhandled exception here would stop the whole host.
                LogReceiveFailed(logger, exception);
                message = null;
            }

            if (message is null)
            {
                await Task.Delay(options.BlobPollInterval * 5, timeProvider, stoppingToken);
                continue;
            }

            try
            {
                await handler.HandleAsync(message.MessageText, message.DequeueCount, stoppingToken);
                await queue.Client.DeleteMessageAsync(message.MessageId, message.PopReceipt, stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogRetried(logger, exception, message.MessageId, message.DequeueCount);
                try
                {
                    await queue.Client.UpdateMessageAsync(message.MessageId, message.PopReceipt, message.MessageText, options.GateRetryDelay, stoppingToken);
                }
                catch (Exception updateFailed) when (updateFailed is not OperationCanceledException)
                {
                    // Storage down too (an AggregateException once the client's retries are spent): escaping would stop the host.
                    LogRetryDelayNotSet(logger, updateFailed, message.MessageId, Visibility);
                }
            }
        }
    }

    [LoggerMessage(EventId = 908, Level = LogLevel.Warning, Message = "Reading the gate queue failed; it is read again at the next poll")]
    private static partial void LogReceiveFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 904, Level = LogLevel.Warning, Message = "Gate request {MessageId} failed on delivery {DequeueCount}; it comes back after the retry delay")]
    private static partial void LogRetried(ILogger logger, Exception exception, string messageId, long dequeueCount);

    [LoggerMessage(EventId = 905, Level = LogLevel.Warning, Message = "Gate request {MessageId} could not be put back early; it comes back when its visibility of {Visibility} ends")]
    private static partial void LogRetryDelayNotSet(ILogger logger, Exception exception, string messageId, TimeSpan visibility);
}
