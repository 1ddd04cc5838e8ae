using System.Security.Cryptography.X509Certificates;

namespace Prefilter.DevServices.Smtp;

/// <summary>How an <see cref="SmtpSink"/> listens.</summary>
public sealed class SmtpSinkOptions
{
    /// <summary>The loopback port to listen on; 0 (the default) picks a free one.</summary>
    public int Port { get; set; }

    /// <summary>
    /// A certificate with its private key to offer STARTTLS with; null (the default) for plain SMTP only.
    /// Tests use a self-signed one to check how a client treats an untrusted downstream.
    /// </summary>
    public X509Certificate2? Certificate { get; set; }

    /// <summary>The name the sink gives in its greeting.</summary>
    public string ServerName { get; set; } = "sink.localhost";

    /// <summary>
    /// The largest message accepted, in bytes (advertised with <c>SIZE</c>). The sink holds every message in memory,
    /// so this caps what one message can cost; the default, 100 MiB, leaves room for the 50 MB test mail.
    /// </summary>
    public int MaxMessageSize { get; set; } = 100 * 1024 * 1024;
}
