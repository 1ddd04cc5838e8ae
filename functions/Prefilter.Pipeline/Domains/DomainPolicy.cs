using System.Text.Json;
using System.Text.Json.Serialization;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Addressing;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Domains;

/// <summary>
/// The recipient domains the pre-filter serves and where each one's mail goes, parsed from <c>config/domains.json</c>.
/// Immutable; anything not listed is refused at ingress, so the pre-filter is never an open relay.
/// </summary>
/// <remarks>
/// Document shape (property names case-insensitive, unknown properties refused so a typo cannot pass silently):
/// <code>
/// { "domains": [ { "domain": "contoso.example", "includeSubdomains": false,
///     "downstream": { "host": "mx.contoso.internal", "port": 25, "tls": "StartTlsWhenAvailable",
///                     "credentials": { "username": "relay", "passwordSecret": "Downstreams:contoso:Password" } },
///     "thresholds": { "tag": 4, "quarantine": 8 } } ] }
/// </code>
/// <c>tls</c> is one of <see cref="TlsPolicy"/>; <c>credentials</c> and <c>thresholds</c> are optional.
/// </remarks>
public sealed class DomainPolicy
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        Converters = { new JsonStringEnumConverter<TlsPolicy>(allowIntegerValues: false) },
        AllowTrailingCommas = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private readonly Dictionary<string, ServedDomain> byName;

    /// <summary>Creates a policy from served domains.</summary>
    /// <param name="domains">The served domains; names must be unique after normalisation.</param>
    /// <exception cref="DomainPolicyFormatException">A domain appears twice.</exception>
    public DomainPolicy(IEnumerable<ServedDomain> domains)
    {
        ArgumentNullException.ThrowIfNull(domains);
        byName = new Dictionary<string, ServedDomain>(StringComparer.Ordinal);
        foreach (var domain in domains)
        {
            if (!byName.TryAdd(domain.Domain, domain))
            {
                throw new DomainPolicyFormatException(domain.Domain, null, "listed twice");
            }
        }

        Domains = [.. byName.Values];
    }

    /// <summary>A policy that serves nothing: every recipient is refused.</summary>
    public static DomainPolicy Empty { get; } = new([]);

    /// <summary>The served domains.</summary>
    public IReadOnlyList<ServedDomain> Domains { get; }

    /// <summary>Parses and validates <c>domains.json</c>.</summary>
    /// <param name="utf8Json">The document.</param>
    /// <exception cref="DomainPolicyFormatException">The document is malformed; carries the line and the domain at fault.</exception>
    public static DomainPolicy Parse(ReadOnlySpan<byte> utf8Json)
    {
        Document? document;
        try
        {
            document = JsonSerializer.Deserialize<Document>(utf8Json, Json);
        }
        catch (JsonException exception)
        {
            throw new DomainPolicyFormatException(null, exception.LineNumber + 1, exception.Message, exception);
        }

        if (document?.Domains is null)
        {
            throw new DomainPolicyFormatException(null, null, "expected an object with a \"domains\" array");
        }

        var served = new List<ServedDomain>();
        foreach (var entry in document.Domains)
        {
            served.Add(Validate(entry));
        }

        return new DomainPolicy(served);
    }

    /// <summary>Serialises the policy in the document shape that <see cref="Parse"/> reads.</summary>
    public byte[] ToUtf8Json() => JsonSerializer.SerializeToUtf8Bytes(
        new Document([.. Domains.Select(d => new Entry(
            d.Domain,
            d.IncludeSubdomains,
            new DownstreamEntry(d.Downstream.Host, d.Downstream.Port, d.Downstream.Tls,
                d.Downstream.Credentials is { } c ? new CredentialsEntry(c.Username, c.PasswordSecret) : null),
            d.Thresholds is { } t ? new ThresholdsEntry(t.Tag, t.Quarantine) : null))]),
        Json);

    /// <summary>The served domain a domain name falls under (itself, or a parent that includes subdomains).</summary>
    /// <param name="domain">A domain in any case or form; see <see cref="EnvelopeAddress.NormalizeDomain"/>.</param>
    /// <returns>The entry, or null when the domain is not served (or is not a valid domain name).</returns>
    public ServedDomain? Find(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        string normalized;
        try
        {
            normalized = EnvelopeAddress.NormalizeDomain(domain);
        }
        catch (MailEnvelopeException)
        {
            return null;
        }

        if (byName.TryGetValue(normalized, out var exact))
        {
            return exact;
        }

        for (var dot = normalized.IndexOf('.'); dot >= 0; dot = normalized.IndexOf('.', dot + 1))
        {
            if (byName.TryGetValue(normalized[(dot + 1)..], out var parent) && parent.IncludeSubdomains)
            {
                return parent;
            }
        }

        return null;
    }

    /// <summary>True when mail for <paramref name="domain"/> is accepted.</summary>
    /// <param name="domain">A domain name.</param>
    public bool IsServed(string domain) => Find(domain) is not null;

    /// <summary>
    /// Decides whether a recipient is accepted: the relay-safety rule every door applies. Accepted only when the
    /// address is an RFC 5321 mailbox, its domain is served, and its local part holds nothing a downstream could
    /// route on (<see cref="EnvelopeAddress.RoutingHazard"/>). An accepted address is one delivery can send to.
    /// </summary>
    /// <param name="address">An envelope recipient, without angle brackets.</param>
    /// <returns>The decision, with the parsed address when it parsed and the reason when it is refused.</returns>
    public RecipientCheck CheckRecipient(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!EnvelopeAddress.TryParse(address, out var parsed, out var error))
        {
            return RecipientCheck.Refuse(null, RecipientRejection.Syntax, error);
        }

        if (parsed.RoutingHazard is { } hazard)
        {
            return RecipientCheck.Refuse(parsed, RecipientRejection.RoutingHazard, hazard);
        }

        if (parsed.IsAddressLiteral || Find(parsed.Domain) is null)
        {
            return RecipientCheck.Refuse(parsed, RecipientRejection.DomainNotServed, $"the domain '{parsed.Domain}' is not served here");
        }

        return RecipientCheck.Accept(parsed);
    }

    /// <summary>
    /// Splits recipients over downstreams: one route per distinct downstream with only its domains' recipients,
    /// so a mail for two customers is relayed once to each.
    /// </summary>
    /// <param name="recipients">Envelope recipients.</param>
    public RoutingPlan Route(IEnumerable<string> recipients)
    {
        ArgumentNullException.ThrowIfNull(recipients);
        var routes = new List<(Downstream Downstream, List<string> Recipients, List<ServedDomain> Domains)>();
        var unserved = new List<string>();
        foreach (var recipient in recipients)
        {
            var served = EnvelopeAddress.TryParse(recipient, out var address, out _) && address.RoutingHazard is null && !address.IsAddressLiteral
                ? Find(address.Domain)
                : null;
            if (served is null)
            {
                unserved.Add(recipient);
                continue;
            }

            var index = routes.FindIndex(r => r.Downstream == served.Downstream);
            if (index < 0)
            {
                routes.Add((served.Downstream, [], []));
                index = routes.Count - 1;
            }

            routes[index].Recipients.Add(recipient);
            if (!routes[index].Domains.Contains(served))
            {
                routes[index].Domains.Add(served);
            }
        }

        return new RoutingPlan([.. routes.Select(r => new DomainRoute(r.Downstream, r.Recipients, r.Domains))], unserved);
    }

    /// <summary>The action for a score under a domain's thresholds, falling back to the pattern set's.</summary>
    /// <param name="domain">A recipient domain.</param>
    /// <param name="score">The scan's total score.</param>
    /// <param name="setAction">The action under the pattern set's own thresholds.</param>
    public VerdictAction ActionFor(string domain, double score, VerdictAction setAction) =>
        Find(domain)?.Thresholds is { } thresholds ? thresholds.ActionFor(score) : setAction;

    private static ServedDomain Validate(Entry? entry)
    {
        if (entry is null)
        {
            throw new DomainPolicyFormatException(null, null, "null entry in \"domains\"");
        }

        if (string.IsNullOrWhiteSpace(entry.Domain))
        {
            throw new DomainPolicyFormatException(null, null, "an entry has no \"domain\"");
        }

        string name;
        try
        {
            name = EnvelopeAddress.NormalizeDomain(entry.Domain);
        }
        catch (MailEnvelopeException exception)
        {
            throw new DomainPolicyFormatException(entry.Domain, null, exception.Reason, exception);
        }

        var downstream = entry.Downstream ?? throw new DomainPolicyFormatException(name, null, "no \"downstream\"");
        if (string.IsNullOrWhiteSpace(downstream.Host) || downstream.Host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw new DomainPolicyFormatException(name, null, "downstream \"host\" must be a host name or address without spaces");
        }

        if (downstream.Port is < 1 or > 65535)
        {
            throw new DomainPolicyFormatException(name, null, $"downstream \"port\" {downstream.Port} is outside 1-65535");
        }

        DownstreamCredentials? credentials = null;
        if (downstream.Credentials is { } c)
        {
            if (string.IsNullOrWhiteSpace(c.Username) || string.IsNullOrWhiteSpace(c.PasswordSecret))
            {
                throw new DomainPolicyFormatException(name, null, "credentials need \"username\" and \"passwordSecret\" (the name of a configuration setting; passwords never go in this file)");
            }

            credentials = new DownstreamCredentials(c.Username, c.PasswordSecret);
        }

        Thresholds? thresholds = null;
        if (entry.Thresholds is { } t)
        {
            if (!double.IsFinite(t.Tag) || !double.IsFinite(t.Quarantine) || t.Tag <= 0 || t.Tag > t.Quarantine)
            {
                // A mail no rule hits scores 0: a threshold at or below it would tag or quarantine every mail.
                throw new DomainPolicyFormatException(name, null, $"thresholds must be finite with 0 < tag ({t.Tag}) <= quarantine ({t.Quarantine})");
            }

            thresholds = new Thresholds(t.Tag, t.Quarantine);
        }

        return new ServedDomain(name, new Downstream(downstream.Host.Trim(), downstream.Port, downstream.Tls ?? TlsPolicy.StartTlsWhenAvailable, credentials), thresholds, entry.IncludeSubdomains ?? false);
    }

    private sealed record Document(IReadOnlyList<Entry?>? Domains);

    private sealed record Entry(string? Domain, bool? IncludeSubdomains, DownstreamEntry? Downstream, ThresholdsEntry? Thresholds);

    private sealed record DownstreamEntry(string? Host, int Port, TlsPolicy? Tls, CredentialsEntry? Credentials);

    private sealed record CredentialsEntry(string? Username, string? PasswordSecret);

    private sealed record ThresholdsEntry(double Tag, double Quarantine);
}
