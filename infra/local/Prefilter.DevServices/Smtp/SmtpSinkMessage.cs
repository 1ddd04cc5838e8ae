using MimeKit;

namespace Prefilter.DevServices.Smtp;

/// <summary>A message the sink accepted with <c>250</c>: the SMTP envelope and the exact bytes received.</summary>
/// <param name="Sequence">1 for the first message the sink accepted, then 2, 3, …</param>
/// <param name="Sender">The envelope sender (<c>MAIL FROM</c>); empty for the null sender <c>&lt;&gt;</c>.</param>
/// <param name="Recipients">The envelope recipients (<c>RCPT TO</c>) the sink accepted, in order.</param>
/// <param name="Data">The message as received after dot-unstuffing: every line ends in CRLF, the terminating <c>.</c> line is not included.</param>
/// <param name="Secure">Whether the session had switched to TLS (STARTTLS) when the message came.</param>
public sealed record SmtpSinkMessage(long Sequence, string Sender, IReadOnlyList<string> Recipients, byte[] Data, bool Secure)
{
    /// <summary>Parses <see cref="Data"/> as a MIME message.</summary>
    /// <returns>The parsed message; changes to it do not change <see cref="Data"/>.</returns>
    public MimeMessage ToMimeMessage()
    {
        using var stream = new MemoryStream(Data, writable: false);
        return MimeMessage.Load(stream);
    }
}
