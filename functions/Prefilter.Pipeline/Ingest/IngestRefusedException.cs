namespace Prefilter.Pipeline.Ingest;

/// <summary>An ingress refused a mail; nothing was stored. Carries what the caller needs for a precise answer.</summary>
public sealed class IngestRefusedException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="refusal">Why.</param>
    /// <param name="message">The precise error for the client.</param>
    /// <param name="recipients">The refused recipients, for <see cref="IngestRefusal.RelayDenied"/>.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public IngestRefusedException(IngestRefusal refusal, string message, IReadOnlyList<string>? recipients = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Refusal = refusal;
        Recipients = recipients ?? [];
    }

    /// <summary>Why.</summary>
    public IngestRefusal Refusal { get; }

    /// <summary>The refused recipients (empty unless <see cref="IngestRefusal.RelayDenied"/>).</summary>
    public IReadOnlyList<string> Recipients { get; }

    /// <summary>The HTTP status an HTTP door answers with.</summary>
    public int StatusCode => Refusal switch
    {
        IngestRefusal.InvalidEnvelope or IngestRefusal.EmptyMail or IngestRefusal.NotAMessage => 400,
        IngestRefusal.RelayDenied => 403,
        IngestRefusal.TooLarge => 413,
        _ => 503,
    };

    /// <summary>True when the client should try again later (the mail itself is fine).</summary>
    public bool IsTransient => Refusal == IngestRefusal.PolicyUnavailable;
}
