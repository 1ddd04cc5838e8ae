namespace Prefilter.Pipeline.Domains;

/// <summary>How delivery secures the SMTP connection to a downstream.</summary>
public enum TlsPolicy
{
    /// <summary>Plain SMTP; only for downstreams on a private network.</summary>
    None,

    /// <summary>STARTTLS when the server offers it, plain otherwise (opportunistic, like most MTAs).</summary>
    StartTlsWhenAvailable,

    /// <summary>STARTTLS required; a server that does not offer it is a failure.</summary>
    StartTls,

    /// <summary>TLS from the first byte (implicit TLS, usually port 465).</summary>
    Tls,
}
