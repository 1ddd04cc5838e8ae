namespace Prefilter.Pipeline.Delivery;

/// <summary>How the connection to a downstream is secured.</summary>
public enum DownstreamTls
{
    /// <summary>Plain SMTP, never TLS (only for a downstream on a trusted network).</summary>
    None,

    /// <summary>STARTTLS when the downstream offers it, otherwise plain.</summary>
    StartTlsWhenAvailable,

    /// <summary>STARTTLS required: a downstream that does not offer it is a (transient) failure.</summary>
    StartTls,

    /// <summary>TLS from the first byte (implicit TLS, usually port 465).</summary>
    Tls,
}
