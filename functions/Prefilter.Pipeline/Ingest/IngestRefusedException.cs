namespace Prefilter.Pipeline.Ingest;

/// <summary>Why an ingress refused a mail.</summary>
public enum IngestRefusal
{
    /// <summary>Sender or recipients missing or malformed (HTTP 400).</summary>
    InvalidEnvelope,

    /// <summary>The body is empty (HTTP 400).</summary>
    EmptyMail,

    /// <summary>The body does not start with a header field, so it is not a message delivery could relay (HTTP 400).</summary>
    NotAMessage,

    /// <summary>
    /// A recipient's domain is not served, or its local part holds something a downstream could route on: the
    /// pre-filter is not an open relay (HTTP 403, SMTP 550 5.7.1). See <see cref="Domains.DomainPolicy.CheckRecipient"/>.
    /// </summary>
    RelayDenied,

    /// <summary>The mail is larger than <see cref="IngestOptions.MaxMailBytes"/> (HTTP 413, SMTP 552).</summary>
    TooLarge,

    /// <summary>The domain policy cannot be loaded; try again later (HTTP 503, SMTP 451).</summary>
    PolicyUnavailable,
}

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
