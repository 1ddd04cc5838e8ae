using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Prefilter.Cli.Local;

/// <summary>
/// The local stand-in for the Functions instance that runs <c>ScanMail</c>: one <see cref="IncomingBlobWatcher"/> at a
/// time, which <see cref="KillAsync"/> replaces mid-work with a fresh one, as the platform replaces an instance that died.
/// </summary>
/// <param name="services">Where a new watcher takes its services from.</param>
internal sealed class ScanInstance(IServiceProvider services) : IHostedService, IDisposable
{
    private readonly Lock sync = new();
    private IncomingBlobWatcher? current;
    private int scansCutOff;

    /// <summary>How many scans <see cref="KillAsync"/> cut off, in all.</summary>
    public int ScansCutOff => Volatile.Read(ref this.scansCutOff);

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var watcher = ActivatorUtilities.CreateInstance<IncomingBlobWatcher>(services);
        lock (this.sync)
        {
            this.current = watcher;
        }

        return watcher.StartAsync(cancellationToken);
    }

    /// <inheritdoc />
    public Task StopAsync(CancellationToken cancellationToken) => this.current?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    /// <summary>
    /// Waits until the running watcher is scanning (at most <paramref name="wait"/>), then cancels all its work at once without waiting for it to unwind
    /// (its scans stop at their next await: after the claim check was sent, say, but before the outcome was recorded)
    /// and starts a new watcher, which knows nothing of what the old one had begun and so scans again every mail still
    /// without an outcome, as Event Grid redelivers the events of a dead instance.
    /// </summary>
    /// <param name="wait">How long to wait for a scan to be under way; past it, the instance is killed idle (no mail is coming).</param>
    /// <param name="cancellationToken">Cancels the wait for a scan to be under way.</param>
    /// <returns>How many scans were cut off.</returns>
    public async Task<int> KillAsync(TimeSpan wait, CancellationToken cancellationToken = default)
    {
        var victim = this.current ?? throw new InvalidOperationException("the scan instance has not started");
        var deadline = DateTime.UtcNow + wait;
        while (victim.ScansInProgress == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), cancellationToken).ConfigureAwait(false);
        }

        var cutOff = victim.ScansInProgress;
        Interlocked.Add(ref this.scansCutOff, cutOff);
        await victim.StopAsync(new CancellationToken(canceled: true)).ConfigureAwait(false);
        victim.Dispose();
        await StartAsync(cancellationToken).ConfigureAwait(false);
        return cutOff;
    }

    /// <inheritdoc />
    public void Dispose() => this.current?.Dispose();
}
