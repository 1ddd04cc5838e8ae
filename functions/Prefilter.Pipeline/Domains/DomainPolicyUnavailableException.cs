namespace Prefilter.Pipeline.Domains;

/// <summary>
/// No valid domain policy has been loaded yet (the document exists but cannot be read or parsed). Retryable:
/// ingress answers with a temporary error (SMTP 451, HTTP 503) so senders try again, and nothing is accepted
/// that the policy might refuse.
/// </summary>
public sealed class DomainPolicyUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why.</param>
    /// <param name="innerException">The read or parse error.</param>
    public DomainPolicyUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
