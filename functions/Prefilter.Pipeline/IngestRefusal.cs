namespace Prefilter.Pipeline;

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

    /// <summary>The mail is larger than <see cref="Ingest.IngestOptions.MaxMailBytes"/> (HTTP 413, SMTP 552).</summary>
    TooLarge,

    /// <summary>The domain policy cannot be loaded; try again later (HTTP 503, SMTP 451).</summary>
    PolicyUnavailable,
}
