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

    /// <summary>The name given in the greeting, in <c>EHLO</c> replies, in the <c>Received:</c> line it adds and in a self-signed certificate.</summary>
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

    /// <summary>
    /// Refused commands a session may make before it is answered <c>421 4.7.0</c> and closed (Postfix's
    /// <c>smtpd_hard_error_limit</c> is 20). Each refusal is answered first, so a sender's accepted recipients in
    /// the same transaction still get the mail; a client probing for open relays is stopped after this many.
    /// </summary>
    [Range(1, 1000)]
    public int MaxErrors { get; set; } = 20;

    /// <summary>How long to wait for a command before answering <c>421 4.4.2</c> and closing (RFC 5321 §4.5.3.2.7: at least 5 minutes).</summary>
    public TimeSpan CommandTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long the data of one mail may take to arrive, from <c>354</c> to the terminating dot (RFC 5321 §4.5.3.2.6: 10 minutes).</summary>
    public TimeSpan DataTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Sessions served at once; one more is answered <c>421 4.3.2</c> and closed, so the sender retries later.</summary>
    [Range(1, 100_000)]
    public int MaxSessions { get; set; } = 500;

    /// <summary>
    /// Refuses <c>MAIL FROM</c> with <c>530 5.7.0</c> until the session has done <c>STARTTLS</c>: for submission-style
    /// use, where every sender must encrypt. A public MX leaves it off (RFC 3207 §4: a publicly referenced server
    /// must not require TLS).
    /// </summary>
    public bool RequireTls { get; set; }

    /// <summary>
    /// The certificate offered with <c>STARTTLS</c>: a PKCS#12 file (binary or Base64 text), or a PEM certificate
    /// (chain) with its key in the same file or in <see cref="CertificateKeyPath"/>; the content tells which, whatever
    /// the file's name. In Azure, a Key Vault certificate mounted as a Container Apps secret volume gives such a file.
    /// Without a certificate (and without <see cref="SelfSignedCertificate"/>) <c>STARTTLS</c> is not offered.
    /// </summary>
    public string? CertificatePath { get; set; }

    /// <summary>The PEM private key of a PEM <see cref="CertificatePath"/>; null when the key is in the same file or the file is PKCS#12.</summary>
    public string? CertificateKeyPath { get; set; }

    /// <summary>The password of a PKCS#12 <see cref="CertificatePath"/>, if it has one.</summary>
    public string? CertificatePassword { get; set; }

    /// <summary>
    /// Offers <c>STARTTLS</c> with a self-signed certificate for <see cref="ServerName"/>, made at start, when no
    /// <see cref="CertificatePath"/> is set: for <c>prefilter up</c>. Between MTAs TLS is opportunistic (RFC 7435), so
    /// senders encrypt with it without trusting it.
    /// </summary>
    public bool SelfSignedCertificate { get; set; }
}
