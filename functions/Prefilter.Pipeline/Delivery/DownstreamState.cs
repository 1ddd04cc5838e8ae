namespace Prefilter.Pipeline.Delivery;

/// <summary>Where a mail stands with one of its downstreams.</summary>
public enum DownstreamState
{
    /// <summary>Not yet accepted or refused: relay (again).</summary>
    Pending,

    /// <summary>Accepted with 2xx: never relay again.</summary>
    Delivered,

    /// <summary>Refused with 5xx: do not relay again; the mail is dead-lettered for these recipients.</summary>
    Refused,

    /// <summary>
    /// Accepted for some recipients, refused with 5xx for the others: never relay again; the mail is dead-lettered for
    /// the refused ones.
    /// </summary>
    PartlyRefused,

    /// <summary>
    /// Accepted for some recipients while others answered 4xx: relay again, to those only
    /// (<see cref="DownstreamProgress.Waiting"/>).
    /// </summary>
    Deferred,
}
