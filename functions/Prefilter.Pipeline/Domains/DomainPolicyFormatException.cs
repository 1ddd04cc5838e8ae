namespace Prefilter.Pipeline.Domains;

/// <summary><c>domains.json</c> is malformed; the document is refused as a whole and the previous policy stays.</summary>
public sealed class DomainPolicyFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="domain">The entry at fault, when known.</param>
    /// <param name="line">1-based line in the document, when known.</param>
    /// <param name="reason">What is wrong.</param>
    /// <param name="innerException">The parser's error, if any.</param>
    public DomainPolicyFormatException(string? domain, long? line, string reason, Exception? innerException = null)
        : base($"domains.json{(line is null ? "" : $" line {line}")}{(domain is null ? "" : $" domain '{domain}'")}: {reason}", innerException)
    {
        Domain = domain;
        Line = line;
        Reason = reason;
    }

    /// <summary>The entry at fault, when known.</summary>
    public string? Domain { get; }

    /// <summary>1-based line in the document, when known.</summary>
    public long? Line { get; }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}
