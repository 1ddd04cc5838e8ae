namespace Prefilter.Pipeline.Delivery;

/// <summary>The dead-letter reasons the delivery stage gives; the description carries the details.</summary>
public static class DeadLetterReasons
{
    /// <summary>A downstream refused the mail with 5xx; the description has its reply.</summary>
    public const string DownstreamRejected = "DownstreamRejected";

    /// <summary>Transient failures went on past the attempt or age limit; the description has the last reply.</summary>
    public const string RetriesExhausted = "DeliveryRetriesExhausted";

    /// <summary>Recipients of the mail are in domains no longer served (the policy changed since ingress); they are never relayed.</summary>
    public const string NoServedRecipient = "NoServedRecipient";

    /// <summary>The message body is not a claim check.</summary>
    public const string InvalidClaimCheck = "InvalidClaimCheck";

    /// <summary>The mail blob or its envelope is missing or malformed.</summary>
    public const string MailUnreadable = "MailUnreadable";

    /// <summary>The claim check carries a quarantine verdict, which is never relayed.</summary>
    public const string QuarantineVerdict = "QuarantineVerdict";
}
