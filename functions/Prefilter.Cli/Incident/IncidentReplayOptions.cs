namespace Prefilter.Cli.Incident;

/// <summary>How an incident replay runs: mail rate, how long each phase may take, the watchdog's cadence.</summary>
internal sealed record IncidentReplayOptions
{
    /// <summary>Mail per second the feeder sends through the SMTP ingress. Default 40.</summary>
    public double MailsPerSecond { get; init; } = 40;

    /// <summary>Mail that must have an outcome before the incident set is published, so it lands on flowing mail. Default 40.</summary>
    public int WarmUpMails { get; init; } = 40;

    /// <summary>Mail the feeder must get accepted after the rollback before it stops. Default 40.</summary>
    public int MailsAfterRollback { get; init; } = 40;

    /// <summary>
    /// Time between watchdog runs. Default 1 s: the replay plays the watchdog's timer (every minute in Azure), so a
    /// decision comes as soon as the canary has its minimum sample rather than at the next whole minute.
    /// </summary>
    public TimeSpan WatchdogInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Longest wait for each phase (warm-up, the watchdog's decision, mail after the rollback, the drain). Default 3 min.</summary>
    public TimeSpan PhaseTimeout { get; init; } = TimeSpan.FromMinutes(3);

    /// <summary>Seed of the corpus shuffle. Default 2026.</summary>
    public int Seed { get; init; } = 2026;
}
