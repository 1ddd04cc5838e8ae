using Prefilter.Pipeline.Storage;

namespace Prefilter.Cli.Local;

/// <summary>Where every accepted mail stands, from the outcomes recorded on the blobs in <c>incoming/</c>.</summary>
/// <param name="Received">Mail blobs stored by any ingress.</param>
/// <param name="Scanned">Mail the scan stage has handled (any outcome recorded).</param>
/// <param name="Delivered">Accepted by the downstream.</param>
/// <param name="Quarantined">Copied to quarantine, not relayed.</param>
/// <param name="DeadLettered">Given up with a reason.</param>
/// <param name="InFlight">No final outcome yet: waiting for a scan, or scanned and queued for delivery.</param>
internal sealed record MailCounts(int Received, int Scanned, int Delivered, int Quarantined, int DeadLettered, int InFlight)
{
    /// <summary>Counts by listing <c>incoming/</c> with metadata (one listing call per 5,000 mails).</summary>
    /// <param name="mails">The mail store.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    public static async Task<MailCounts> CountAsync(MailStore mails, CancellationToken cancellationToken = default)
    {
        int received = 0, scanned = 0, delivered = 0, quarantined = 0, deadLettered = 0, inFlight = 0;
        await foreach (var mail in mails.ListAsync("", cancellationToken))
        {
            received++;
            var outcome = mail.Outcome;
            scanned += outcome is null ? 0 : 1;
            switch (outcome)
            {
                case MailOutcome.Delivered: delivered++; break;
                case MailOutcome.Quarantined: quarantined++; break;
                case MailOutcome.DeadLettered: deadLettered++; break;
                default: inFlight++; break;
            }
        }

        return new MailCounts(received, scanned, delivered, quarantined, deadLettered, inFlight);
    }

    /// <summary>The live status line of <c>prefilter up</c>.</summary>
    public override string ToString() =>
        $"received {Received}  scanned {Scanned}  delivered {Delivered}  quarantined {Quarantined}  dead-lettered {DeadLettered}  in flight {InFlight}";
}
