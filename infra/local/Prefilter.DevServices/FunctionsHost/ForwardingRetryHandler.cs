namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// Retries a request forwarded to the worker's HTTP listener when it cannot be sent at all, as the host's proxy does:
/// the worker reports its HttpUri during init, possibly before its listener accepts connections. Ten attempts, the
/// wait doubling from 50 ms to at most 250 ms; any other failure is not retried.
/// </summary>
internal sealed class ForwardingRetryHandler() : DelegatingHandler(new SocketsHttpHandler())
{
    private const int MaxAttempts = 10;
    private static readonly TimeSpan FirstDelay = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan MaxDelay = TimeSpan.FromMilliseconds(250);

    /// <inheritdoc />
    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var delay = FirstDelay;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException) when (attempt < MaxAttempts)
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, MaxDelay.Ticks));
            }
        }
    }
}
