using Microsoft.Azure.Functions.Worker;
using Prefilter.Pipeline.Release;

namespace Prefilter.Functions.Functions;

/// <summary>Watches the canary: rolls it back on breach, advances or promotes it when it has baked healthy.</summary>
/// <param name="watchdog">The watchdog.</param>
public sealed class WatchdogFunction(Watchdog watchdog)
{
    /// <summary>The function name.</summary>
    public const string Name = "Watchdog";

    /// <summary>Every minute: one run (<c>POST /api/patterns/watchdog</c> runs it on demand).</summary>
    /// <param name="timer">Timer information (unused).</param>
    /// <param name="cancellationToken">Host shutdown.</param>
    [Function(Name)]
    public Task RunAsync([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        watchdog.RunOnceAsync(cancellationToken);
}
