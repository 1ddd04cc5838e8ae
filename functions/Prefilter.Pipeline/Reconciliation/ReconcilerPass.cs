using Prefilter.Pipeline.Release;

namespace Prefilter.Pipeline.Reconciliation;

/// <summary>
/// One run of the <c>Reconciler</c> timer, the same in the function app and the local stack: re-drives mail without an
/// outcome, then trims the gate corpus to its retention.
/// </summary>
/// <param name="reconciler">Re-drives incoming blobs older than <c>Reconciler:MinimumAge</c> that have no outcome.</param>
/// <param name="corpus">Deletes sampled mail older than <c>Corpus:Retention</c>; null when no gate corpus is registered
/// (<c>AddPrefilterGateCorpus</c>), as for the scan stage that samples into it.</param>
public sealed class ReconcilerPass(Reconciler reconciler, GateCorpus? corpus = null)
{
    /// <summary>Runs both steps, in that order.</summary>
    /// <param name="cancellationToken">Stops between and within the steps.</param>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await reconciler.RunAsync(cancellationToken).ConfigureAwait(false);
        if (corpus is not null)
        {
            await corpus.DeleteExpiredAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
