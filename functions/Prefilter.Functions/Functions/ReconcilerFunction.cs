using Microsoft.Azure.Functions.Worker;
using Prefilter.Pipeline.Reconciliation;

namespace Prefilter.Functions.Functions;

/// <summary>Re-drives mail whose blob event was lost, and trims the gate corpus to its retention.</summary>
/// <param name="pass">What one run does.</param>
public sealed class ReconcilerFunction(ReconcilerPass pass)
{
    /// <summary>The function name.</summary>
    public const string Name = "Reconciler";

    /// <summary>
    /// Every five minutes: scans again any incoming blob without an outcome older than <c>Reconciler:MinimumAge</c>, then
    /// deletes sampled gate-corpus mail older than <c>Corpus:Retention</c>.
    /// </summary>
    /// <param name="timer">Timer information (unused).</param>
    /// <param name="cancellationToken">Host shutdown.</param>
    [Function(Name)]
    public Task RunAsync([TimerTrigger("0 */5 * * * *")] TimerInfo timer, CancellationToken cancellationToken) =>
        pass.RunAsync(cancellationToken);
}
