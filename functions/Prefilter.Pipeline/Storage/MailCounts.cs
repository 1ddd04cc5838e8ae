namespace Prefilter.Pipeline.Storage;

/// <summary>Where accepted mail stands, from the outcomes recorded on the blobs in <c>incoming/</c>.</summary>
/// <param name="Received">Mail blobs stored by any ingress.</param>
/// <param name="Scanned">Mail the scan stage has handled (any outcome recorded).</param>
/// <param name="Delivered">Accepted by the downstream.</param>
/// <param name="Quarantined">Copied to quarantine, not relayed.</param>
/// <param name="DeadLettered">Given up with a reason.</param>
/// <param name="InFlight">No final outcome yet: waiting for a scan, or scanned and queued for delivery.</param>
public sealed record MailCounts(int Received, int Scanned, int Delivered, int Quarantined, int DeadLettered, int InFlight)
{
    /// <summary>Counts every mail in <c>incoming/</c> by listing it with metadata (one listing call per 5,000 mails).</summary>
    /// <param name="mails">The mail store.</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <exception cref="Azure.RequestFailedException">Storage failed.</exception>
    public static Task<MailCounts> CountAsync(MailStore mails, CancellationToken cancellationToken = default) =>
        CountAsync(mails, [""], null, cancellationToken);

    /// <summary>
    /// Counts the mail received from <paramref name="since"/> to <paramref name="until"/>, listing only the days of that range
    /// (blob names start with the arrival time).
    /// </summary>
    /// <param name="mails">The mail store.</param>
    /// <param name="since">Earliest arrival counted.</param>
    /// <param name="until">The end of the range (now).</param>
    /// <param name="cancellationToken">Cancels the listing.</param>
    /// <exception cref="ArgumentException"><paramref name="until"/> is before <paramref name="since"/>.</exception>
    /// <exception cref="Azure.RequestFailedException">Storage failed.</exception>
    public static Task<MailCounts> CountAsync(MailStore mails, DateTimeOffset since, DateTimeOffset until, CancellationToken cancellationToken = default)
    {
        if (until < since)
        {
            throw new ArgumentException($"the range ends ({until:O}) before it starts ({since:O})", nameof(until));
        }

        var days = new List<string>();
        for (var day = since.UtcDateTime.Date; day <= until.UtcDateTime; day = day.AddDays(1))
        {
            days.Add(MailBlobName.DayPrefix(new DateTimeOffset(day, TimeSpan.Zero)));
        }

        return CountAsync(mails, days, MailBlobName.TimePrefix(since), cancellationToken);
    }

    /// <summary>The live status line of <c>prefilter up</c>.</summary>
    public override string ToString() =>
        $"received {Received}  scanned {Scanned}  delivered {Delivered}  quarantined {Quarantined}  dead-lettered {DeadLettered}  in flight {InFlight}";

    private static async Task<MailCounts> CountAsync(MailStore mails, IEnumerable<string> prefixes, string? firstName, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mails);
        int received = 0, scanned = 0, delivered = 0, quarantined = 0, deadLettered = 0, inFlight = 0;
        foreach (var prefix in prefixes)
        {
            await foreach (var mail in mails.ListAsync(prefix, cancellationToken).ConfigureAwait(false))
            {
                if (firstName is not null && string.CompareOrdinal(mail.Name, firstName) < 0)
                {
                    continue;
                }

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
        }

        return new MailCounts(received, scanned, delivered, quarantined, deadLettered, inFlight);
    }
}
