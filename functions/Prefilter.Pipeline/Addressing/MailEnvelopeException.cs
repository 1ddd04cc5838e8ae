namespace Prefilter.Pipeline.Addressing;

/// <summary>An SMTP envelope address is malformed or missing; the mail is refused, never stored.</summary>
public sealed class MailEnvelopeException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="address">The offending address; null when the problem is the envelope as a whole.</param>
    /// <param name="reason">What is wrong.</param>
    public MailEnvelopeException(string? address, string reason)
        : base(address is null ? reason : $"envelope address '{address}': {reason}")
    {
        Address = address;
        Reason = reason;
    }

    /// <summary>The offending address, when there is one.</summary>
    public string? Address { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}
