using System.Globalization;

namespace Prefilter.Pipeline.Storage;

/// <summary>
/// The SMTP envelope of a mail: the reverse path (MAIL FROM) and the recipients (RCPT TO).
/// Delivery relays to these recipients, never to the To:/Cc: headers, so Bcc works.
/// </summary>
public sealed class MailEnvelope
{
    private static readonly IdnMapping Idn = new();

    /// <summary>Creates an envelope, validating every address.</summary>
    /// <param name="mailFrom">The reverse path without angle brackets; empty for the null sender <c>&lt;&gt;</c> of bounces.</param>
    /// <param name="recipients">At least one recipient; exact duplicates (ignoring case) are kept once, order is kept.</param>
    /// <exception cref="MailEnvelopeException">An address is malformed, or there is no recipient.</exception>
    public MailEnvelope(string mailFrom, IEnumerable<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(mailFrom);
        ArgumentNullException.ThrowIfNull(recipients);
        if (mailFrom.Length > 0)
        {
            Validate(mailFrom);
        }

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var list = new List<string>();
        foreach (var recipient in recipients)
        {
            Validate(recipient);
            if (seen.Add(recipient))
            {
                list.Add(recipient);
            }
        }

        if (list.Count == 0)
        {
            throw new MailEnvelopeException(null, "the envelope has no recipient");
        }

        MailFrom = mailFrom;
        Recipients = list;
    }

    /// <summary>The reverse path; empty for the null sender.</summary>
    public string MailFrom { get; }

    /// <summary>The envelope recipients, in RCPT TO order, without duplicates.</summary>
    public IReadOnlyList<string> Recipients { get; }

    /// <summary>
    /// The domain of an address in the form used for lookups: lowercase ASCII, internationalised names in
    /// their <c>xn--</c> form, no trailing dot.
    /// </summary>
    /// <param name="address">An address such as <c>user@Example.COM</c> or <c>ü@bücher.example</c>.</param>
    /// <exception cref="MailEnvelopeException">The address has no valid domain.</exception>
    public static string DomainOf(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            throw new MailEnvelopeException(address, "expected local-part@domain");
        }

        return NormalizeDomain(address[(at + 1)..], address);
    }

    /// <summary>Normalises a domain name as <see cref="DomainOf"/> does.</summary>
    /// <param name="domain">A domain name, any case, Unicode or <c>xn--</c> form.</param>
    /// <param name="address">The address it came from, for the error; null when there is none.</param>
    /// <exception cref="MailEnvelopeException">The name is not a valid domain.</exception>
    public static string NormalizeDomain(string domain, string? address = null)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var trimmed = domain.TrimEnd('.');
        if (trimmed.Length == 0 || trimmed.StartsWith('[') || !trimmed.Contains('.'))
        {
            // Address literals and dotless names are never a served customer domain.
            throw new MailEnvelopeException(address ?? domain, $"'{domain}' is not a fully qualified domain name");
        }

        try
        {
            return Idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException exception)
        {
            throw new MailEnvelopeException(address ?? domain, $"'{domain}' is not a valid domain name: {exception.Message}");
        }
    }

    private static void Validate(string address)
    {
        if (string.IsNullOrEmpty(address))
        {
            throw new MailEnvelopeException(address, "empty address");
        }

        if (address.Length > 1024)
        {
            throw new MailEnvelopeException(address[..64] + "…", "address longer than 1024 characters");
        }

        foreach (var c in address)
        {
            // Control characters, spaces and brackets would let an address smuggle SMTP commands or headers.
            if (char.IsControl(c) || c is ' ' or '<' or '>' or ',')
            {
                throw new MailEnvelopeException(address, $"character U+{(int)c:X4} is not allowed in an envelope address");
            }
        }

        var at = address.LastIndexOf('@');
        if (at <= 0)
        {
            throw new MailEnvelopeException(address, "expected local-part@domain");
        }

        DomainOf(address);
    }
}
