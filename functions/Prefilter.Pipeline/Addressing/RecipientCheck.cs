namespace Prefilter.Pipeline.Addressing;

/// <summary>Why a door refuses a recipient; each door maps it to its own status (SMTP reply code, HTTP status).</summary>
public enum RecipientRejection
{
    /// <summary>The address is not an RFC 5321 mailbox (SMTP <c>501 5.1.3</c>, HTTP 400).</summary>
    Syntax,

    /// <summary>The local part or a source route holds something a downstream could route on (SMTP <c>550 5.7.1</c>, HTTP 403).</summary>
    RoutingHazard,

    /// <summary>The domain is not one the pre-filter serves (SMTP <c>550 5.7.1</c>, HTTP 403).</summary>
    DomainNotServed,
}

/// <summary>The outcome of <see cref="Domains.DomainPolicy.CheckRecipient"/>: accepted, or refused with a reason.</summary>
public readonly record struct RecipientCheck
{
    private RecipientCheck(EnvelopeAddress? address, RecipientRejection? rejection, string? reason)
    {
        Address = address;
        Rejection = rejection;
        Reason = reason;
    }

    /// <summary>The parsed address; null only when it did not parse.</summary>
    public EnvelopeAddress? Address { get; }

    /// <summary>Why it is refused; null when it is accepted.</summary>
    public RecipientRejection? Rejection { get; }

    /// <summary>The refusal in words, for the reply; null when it is accepted.</summary>
    public string? Reason { get; }

    /// <summary>True when the recipient is accepted.</summary>
    public bool IsAccepted => Rejection is null;

    internal static RecipientCheck Accept(EnvelopeAddress address) => new(address, null, null);

    internal static RecipientCheck Refuse(EnvelopeAddress? address, RecipientRejection rejection, string reason) => new(address, rejection, reason);
}
