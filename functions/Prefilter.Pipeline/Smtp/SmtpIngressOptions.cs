using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Smtp;

/// <summary>How the pre-filter's own SMTP listener listens; bound from the <c>SmtpIngress</c> section.</summary>
public sealed class SmtpIngressOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "SmtpIngress";

    /// <summary>The address to listen on; loopback by default, so a local run is never reachable from outside.</summary>
    [Required]
    public string ListenAddress { get; set; } = "127.0.0.1";

    /// <summary>The port; 0 picks a free one (tests), 25 in a real deployment.</summary>
    [Range(0, 65535)]
    public int Port { get; set; } = 2525;

    /// <summary>The name given in the greeting, in <c>EHLO</c> replies and in the <c>Received:</c> line it adds.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9.-]{0,252}$")]
    public string ServerName { get; set; } = "prefilter.localhost";

    /// <summary>
    /// The largest mail accepted, in bytes, advertised with <c>SIZE</c> and enforced while reading. The listener
    /// holds a mail in memory until it is stored, so this bounds what one connection can cost; 64 MiB leaves room
    /// for the 50 MB mail the pipeline must carry.
    /// </summary>
    [Range(1024, int.MaxValue)]
    public int MaxMessageSize { get; set; } = 64 * 1024 * 1024;

    /// <summary>Recipients accepted per transaction; more get <c>452 4.5.3</c> and are sent in a later transaction by the sender (RFC 5321 §4.5.3.1.10).</summary>
    [Range(1, 10_000)]
    public int MaxRecipients { get; set; } = 100;
}
