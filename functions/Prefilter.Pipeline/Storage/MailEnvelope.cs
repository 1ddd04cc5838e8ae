using Prefilter.Pipeline.Addressing;

namespace Prefilter.Pipeline.Storage;

/// <summary>
/// The SMTP envelope of a mail: the reverse path (MAIL FROM) and the recipients (RCPT TO).
/// Delivery relays to these recipients, never to the To:/Cc: headers, so Bcc works.
/// </summary>
public sealed class MailEnvelope
{
    /// <summary>Creates an envelope, validating every address (<see cref="EnvelopeAddress"/>) and keeping it in its canonical form.</summary>
    /// <param name="mailFrom">The reverse path without angle brackets; empty for the null sender <c>&lt;&gt;</c> of bounces. A source route is dropped (RFC 5321 §4.1.1.3).</param>
    /// <param name="recipients">At least one recipient; exact duplicates (ignoring case) are kept once, order is kept.</param>
    /// <exception cref="MailEnvelopeException">An address is malformed or has no fully qualified domain, a recipient fails the relay-safety rule (<see cref="EnvelopeAddress.RoutingHazard"/>), or there is no recipient.</exception>
    public MailEnvelope(string mailFrom, IEnumerable<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(mailFrom);
        ArgumentNullException.ThrowIfNull(recipients);
        var sender = mailFrom.Length > 0 ? Canonical(mailFrom, recipient: false) : string.Empty;

        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var list = new List<string>();
        foreach (var recipient in recipients)
        {
            ArgumentNullException.ThrowIfNull(recipient);
            var canonical = Canonical(recipient, recipient: true);
            if (seen.Add(canonical))
            {
                list.Add(canonical);
            }
        }

        if (list.Count == 0)
        {
            throw new MailEnvelopeException(null, "the envelope has no recipient");
        }

        MailFrom = sender;
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
    /// <exception cref="MailEnvelopeException">The address is malformed or has no fully qualified domain.</exception>
    public static string DomainOf(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return ParseAddress(address).NormalizedDomain;
    }

    /// <summary>Validates a reverse path as the envelope does and returns it in the form it is stored in.</summary>
    /// <param name="mailFrom">A non-empty sender address without angle brackets.</param>
    /// <returns>The canonical form (least quoting, no source route).</returns>
    /// <exception cref="MailEnvelopeException">The address is malformed or has no fully qualified domain.</exception>
    public static string CanonicalSender(string mailFrom)
    {
        ArgumentException.ThrowIfNullOrEmpty(mailFrom);
        return Canonical(mailFrom, recipient: false);
    }

    // Every address is stored in the form EnvelopeAddress writes, so delivery sends exactly what a door accepted.
    // A recipient must also pass the relay-safety rule: an envelope read back from storage that breaks it (written
    // by an older version, or by hand) is refused here rather than relayed.
    private static EnvelopeAddress ParseAddress(string address)
    {
        if (!EnvelopeAddress.TryParse(address, out var parsed, out var error))
        {
            throw new MailEnvelopeException(address.Length > 64 ? address[..64] + "…" : address, error);
        }

        try
        {
            _ = parsed.NormalizedDomain;
        }
        catch (MailEnvelopeException exception)
        {
            throw new MailEnvelopeException(address, exception.Reason);
        }

        return parsed;
    }

    private static string Canonical(string address, bool recipient)
    {
        var parsed = ParseAddress(address);
        if (recipient && parsed.RoutingHazard is { } hazard)
        {
            throw new MailEnvelopeException(address, hazard);
        }

        return parsed.ToString();
    }
}
