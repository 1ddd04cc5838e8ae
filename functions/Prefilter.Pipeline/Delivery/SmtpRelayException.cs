namespace Prefilter.Pipeline.Delivery;

/// <summary>
/// A relay to a downstream failed. The subclass says what to do: <see cref="TransientRelayException"/> → try again
/// later; <see cref="PermanentRelayException"/> → do not retry, dead-letter with <see cref="Reply"/>.
/// </summary>
public abstract class SmtpRelayException : Exception
{
    private protected SmtpRelayException(string downstream, int? statusCode, string reply, Exception? innerException)
        : base(Describe(downstream, statusCode, reply), innerException)
    {
        Downstream = downstream;
        StatusCode = statusCode;
        Reply = reply;
    }

    /// <summary>The downstream as <c>host:port</c>.</summary>
    public string Downstream { get; }

    /// <summary>The SMTP status code the downstream answered, or null when no reply came (connection or TLS failure, timeout).</summary>
    public int? StatusCode { get; }

    /// <summary>The downstream's reply text, or what went wrong when it did not reply.</summary>
    public string Reply { get; }

    private static string Describe(string downstream, int? statusCode, string reply) =>
        statusCode is { } code ? $"{downstream} answered {code} {reply}" : $"{downstream}: {reply}";
}

/// <summary>The downstream answered 4xx, or could not be reached or talked to: the same mail may succeed later.</summary>
public sealed class TransientRelayException : SmtpRelayException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="downstream">The downstream as <c>host:port</c>.</param>
    /// <param name="statusCode">The 4xx status code, or null when no reply came.</param>
    /// <param name="reply">The reply text or the failure.</param>
    /// <param name="innerException">What the connection or the network threw.</param>
    public TransientRelayException(string downstream, int? statusCode, string reply, Exception? innerException = null)
        : base(downstream, statusCode, reply, innerException)
    {
    }
}

/// <summary>The downstream refused the mail with a 5xx reply: sending it again would be refused again.</summary>
public sealed class PermanentRelayException : SmtpRelayException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="downstream">The downstream as <c>host:port</c>.</param>
    /// <param name="statusCode">The 5xx status code.</param>
    /// <param name="reply">The reply text.</param>
    /// <param name="innerException">The reply as an exception.</param>
    public PermanentRelayException(string downstream, int statusCode, string reply, Exception? innerException = null)
        : base(downstream, statusCode, reply, innerException)
    {
    }
}
