using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Addressing;

/// <summary>
/// An SMTP envelope address (RFC 5321 §4.1.2 <c>Mailbox</c>, with RFC 6531's UTF-8 extension): a local part that is
/// a dot-string or a quoted string, and a domain or address literal. Every door (SMTP ingress, <c>POST /api/mail</c>)
/// and the delivery stage read addresses through this one type, so what a door accepts is exactly what delivery can
/// send: <see cref="ToString"/> is the form written in <c>RCPT TO:&lt;…&gt;</c>.
/// </summary>
/// <remarks>
/// An optional source route (<c>@relay.example,@other.example:user@example.org</c>) is parsed and kept in
/// <see cref="SourceRoute"/>: RFC 5321 §4.1.1.3 says to ignore it in a reverse path, and the relay-safety rule
/// (<see cref="RoutingHazard"/>) refuses it in a recipient.
/// </remarks>
public sealed class EnvelopeAddress : IEquatable<EnvelopeAddress>
{
    /// <summary>The longest address text accepted, in characters; far above RFC 5321's 256-octet path, for VERP and SRS.</summary>
    public const int MaxLength = 1024;

    private static readonly IdnMapping Idn = new();

    private EnvelopeAddress(string localPart, string domain, string? sourceRoute)
    {
        LocalPart = localPart;
        Domain = domain;
        SourceRoute = sourceRoute;
        IsAddressLiteral = domain.StartsWith('[');
        NeedsQuoting = !IsDotString(localPart);
    }

    /// <summary>The local part as the mailbox owner sees it: quotes removed, quoted pairs resolved.</summary>
    public string LocalPart { get; }

    /// <summary>The domain as written (without a trailing dot), or an address literal such as <c>[192.0.2.1]</c>.</summary>
    public string Domain { get; }

    /// <summary>The source route given before the mailbox (<c>@a.example,@b.example</c>), or null.</summary>
    public string? SourceRoute { get; }

    /// <summary>True when the domain is an address literal (<c>[…]</c>) rather than a name.</summary>
    public bool IsAddressLiteral { get; }

    /// <summary>True when the local part is not a dot-string and must be written as a quoted string.</summary>
    public bool NeedsQuoting { get; }

    /// <summary>True when the address holds non-ASCII characters, so it may travel only with <c>SMTPUTF8</c> (RFC 6531).</summary>
    public bool IsInternational => !Ascii.IsValid(LocalPart) || !Ascii.IsValid(Domain);

    /// <summary>True when the local part is ASCII, so the address has an ASCII form (<see cref="ToAsciiString"/>).</summary>
    public bool HasAsciiForm => Ascii.IsValid(LocalPart);

    /// <summary>
    /// Why a downstream could route this address somewhere other than its domain, or null when it cannot. Postfix
    /// (<c>allow_percent_hack</c>, <c>swap_bangpath</c>, both on by default), Sendmail and Exchange route on a
    /// <c>%</c>, <c>!</c> or <c>@</c> in the local part, and on source routes; a pre-filter that passes such a
    /// recipient to them is an open relay even though the domain it checked is served.
    /// </summary>
    public string? RoutingHazard
    {
        get
        {
            if (SourceRoute is not null)
            {
                return $"source route '{SourceRoute}:' before the mailbox";
            }

            foreach (var c in LocalPart)
            {
                switch (c)
                {
                    case '%':
                        return "'%' in the local part (the percent hack routes on it)";
                    case '!':
                        return "'!' in the local part (a bang path routes on it)";
                    case '@':
                        return "'@' in the local part (a quoted address inside the address)";
                }
            }

            return null;
        }
    }

    /// <summary>
    /// The domain in the form used for lookups: lowercase ASCII, internationalised names in their <c>xn--</c> form.
    /// </summary>
    /// <exception cref="MailEnvelopeException">The domain is an address literal, not fully qualified, or not a valid name.</exception>
    public string NormalizedDomain => NormalizeDomain(Domain);

    /// <summary>Parses an address written without angle brackets, as in <c>RCPT TO:&lt;…&gt;</c>.</summary>
    /// <param name="text">The address, e.g. <c>user@example.org</c> or <c>"john doe"@example.org</c>.</param>
    /// <returns>The address.</returns>
    /// <exception cref="FormatException">The text is not an RFC 5321 mailbox; the message says where.</exception>
    public static EnvelopeAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out var address, out var error) ? address : throw new FormatException(error);
    }

    /// <summary>Parses an address written without angle brackets, as in <c>RCPT TO:&lt;…&gt;</c>.</summary>
    /// <param name="text">The address text.</param>
    /// <param name="address">The address, when the text is one.</param>
    /// <param name="error">What is wrong, when it is not.</param>
    /// <returns>True when <paramref name="text"/> is an RFC 5321 mailbox.</returns>
    public static bool TryParse(
        string? text, [NotNullWhen(true)] out EnvelopeAddress? address, [NotNullWhen(false)] out string? error)
    {
        address = null;
        if (string.IsNullOrEmpty(text))
        {
            error = "empty address";
            return false;
        }

        if (text.Length > MaxLength)
        {
            error = $"address longer than {MaxLength} characters";
            return false;
        }

        var position = 0;
        string? route = null;
        if (text[0] == '@')
        {
            var colon = text.IndexOf(':');
            if (colon < 0)
            {
                error = "a source route must end with ':' before the mailbox";
                return false;
            }

            route = text[..colon];
            foreach (var hop in route.Split(','))
            {
                if (hop.Length < 2 || hop[0] != '@' || !IsDomainSyntax(hop[1..]))
                {
                    error = $"'{hop}' in the source route is not '@' followed by a domain";
                    return false;
                }
            }

            position = colon + 1;
        }

        if (!TryReadLocalPart(text, ref position, out var localPart, out error))
        {
            return false;
        }

        if (position >= text.Length || text[position] != '@')
        {
            error = position >= text.Length ? "expected local-part@domain" : $"unexpected '{text[position]}' at position {position + 1} of the local part";
            return false;
        }

        var domain = text[(position + 1)..];
        if (domain.EndsWith('.') && !domain.StartsWith('['))
        {
            domain = domain[..^1];
        }

        if (domain.Length == 0)
        {
            error = "no domain after '@'";
            return false;
        }

        if (domain.StartsWith('[') ? !IsAddressLiteralSyntax(domain) : !IsDomainSyntax(domain))
        {
            error = $"'{domain}' is not a domain name or address literal";
            return false;
        }

        address = new EnvelopeAddress(localPart, domain, route);
        return true;
    }

    /// <summary>Normalises a domain name for lookups, as <see cref="NormalizedDomain"/> does.</summary>
    /// <param name="domain">A domain name, any case, Unicode or <c>xn--</c> form, with or without a trailing dot.</param>
    /// <returns>Lowercase ASCII, internationalised labels in <c>xn--</c> form, no trailing dot.</returns>
    /// <exception cref="MailEnvelopeException">Not a fully qualified, valid domain name.</exception>
    public static string NormalizeDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        var trimmed = domain.TrimEnd('.');
        if (trimmed.Length == 0 || trimmed.StartsWith('[') || !trimmed.Contains('.'))
        {
            // Address literals and dotless names are never a served customer domain.
            throw new MailEnvelopeException(domain, $"'{domain}' is not a fully qualified domain name");
        }

        try
        {
            return Idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException exception)
        {
            throw new MailEnvelopeException(domain, $"'{domain}' is not a valid domain name: {exception.Message}");
        }
    }

    /// <summary>The address as written in <c>MAIL FROM</c>/<c>RCPT TO</c>, with the least quoting RFC 5321 §4.1.2 allows; no source route.</summary>
    public override string ToString() => $"{FormatLocalPart(LocalPart, NeedsQuoting)}@{Domain}";

    /// <summary>The address with its domain in <c>xn--</c> form, for a downstream without <c>SMTPUTF8</c>.</summary>
    /// <exception cref="InvalidOperationException">The local part is not ASCII (<see cref="HasAsciiForm"/> is false).</exception>
    public string ToAsciiString()
    {
        if (!HasAsciiForm)
        {
            throw new InvalidOperationException($"'{this}' has a non-ASCII local part and no ASCII form.");
        }

        var domain = IsAddressLiteral || Ascii.IsValid(Domain) ? Domain : Idn.GetAscii(Domain);
        return $"{FormatLocalPart(LocalPart, NeedsQuoting)}@{domain}";
    }

    /// <inheritdoc/>
    public bool Equals(EnvelopeAddress? other) =>
        other is not null &&
        string.Equals(LocalPart, other.LocalPart, StringComparison.Ordinal) &&
        string.Equals(Domain, other.Domain, StringComparison.OrdinalIgnoreCase);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as EnvelopeAddress);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(
        StringComparer.Ordinal.GetHashCode(LocalPart), StringComparer.OrdinalIgnoreCase.GetHashCode(Domain));

    private static bool TryReadLocalPart(string text, ref int position, out string localPart, [NotNullWhen(false)] out string? error)
    {
        localPart = string.Empty;
        if (position < text.Length && text[position] == '"')
        {
            var builder = new StringBuilder();
            for (position++; position < text.Length; position++)
            {
                var c = text[position];
                if (c == '"')
                {
                    position++;
                    localPart = builder.ToString();
                    error = null;
                    return true;
                }

                if (c == '\\')
                {
                    // quoted-pairSMTP = "\" %d32-126
                    if (++position >= text.Length || text[position] is < ' ' or > '~')
                    {
                        error = "a backslash in a quoted local part must be followed by a printable ASCII character";
                        return false;
                    }

                    builder.Append(text[position]);
                    continue;
                }

                // qtextSMTP = %d32-33 / %d35-91 / %d93-126, and UTF-8 beyond ASCII (RFC 6531).
                if (c < ' ' || c == '\x7f')
                {
                    error = $"control character U+{(int)c:X4} in a quoted local part";
                    return false;
                }

                builder.Append(c);
            }

            error = "a quoted local part is not closed with '\"'";
            return false;
        }

        var start = position;
        while (position < text.Length && text[position] != '@')
        {
            position++;
        }

        // A dot-string has no '@'; the mailbox's '@' is the first one outside quotes, so anything after it is the domain.
        localPart = text[start..position];
        if (!IsDotString(localPart))
        {
            error = localPart.Length == 0
                ? "empty local part"
                : $"'{localPart}' is not a valid local part (quote it if it holds spaces, consecutive dots or specials)";
            return false;
        }

        error = null;
        return true;
    }

    // Dot-string = Atom *("." Atom); atext per RFC 5322 §3.2.3, plus UTF-8 beyond ASCII (RFC 6531).
    private static bool IsDotString(string value)
    {
        if (value.Length == 0 || value[0] == '.' || value[^1] == '.' || value.Contains("..", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '.' || "!#$%&'*+-/=?^_`{|}~".Contains(c) || (c > '\x7f' && !char.IsControl(c) && !char.IsWhiteSpace(c))))
            {
                return false;
            }
        }

        return true;
    }

    private static string FormatLocalPart(string localPart, bool quote)
    {
        if (!quote)
        {
            return localPart;
        }

        var builder = new StringBuilder(localPart.Length + 2).Append('"');
        foreach (var c in localPart)
        {
            if (c is '"' or '\\')
            {
                builder.Append('\\');
            }

            builder.Append(c);
        }

        return builder.Append('"').ToString();
    }

    // sub-domain = Let-dig [Ldh-str]; U-labels (RFC 6531) are allowed here and checked by IDNA in NormalizeDomain.
    private static bool IsDomainSyntax(string domain)
    {
        foreach (var label in domain.Split('.'))
        {
            if (label.Length is 0 or > 63 || label[0] == '-' || label[^1] == '-')
            {
                return false;
            }

            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || (c > '\x7f' && char.IsLetterOrDigit(c)) || (c > '\x7f' && char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.Surrogate)))
                {
                    return false;
                }
            }
        }

        return domain.Length <= 255;
    }

    private static bool IsAddressLiteralSyntax(string literal)
    {
        if (literal.Length < 3 || literal[^1] != ']')
        {
            return false;
        }

        var inner = literal[1..^1];
        if (inner.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
        {
            return System.Net.IPAddress.TryParse(inner[5..], out var v6) && v6.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
        }

        return System.Net.IPAddress.TryParse(inner, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && inner.Count(c => c == '.') == 3;
    }
}
