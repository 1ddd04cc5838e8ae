using System.Globalization;
using Prefilter.Engine.Messages;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// A list rule: exact addresses and domains (each matching itself and its subdomains) looked up by hash, label by
/// label from the full domain up, so <c>evil-example.com</c> never matches <c>example.com</c>.
/// </summary>
internal sealed class ListMatcher
{
    private static readonly IdnMapping Idn = new();

    private readonly HeaderSpec header;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> addresses;
    private readonly HashSet<string>.AlternateLookup<ReadOnlySpan<char>> domains;

    public ListMatcher(Rule rule)
    {
        this.header = HeaderSpec.TryParse(rule.Header, out var spec, out _) ? spec : HeaderSpec.DefaultListHeader;
        var addresses = new HashSet<string>(rule.Addresses, StringComparer.OrdinalIgnoreCase);
        var domains = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var domain in rule.Domains)
        {
            domains.Add(domain);
            try
            {
                // Mail may carry a domain as written or in its ASCII (punycode) form.
                domains.Add(Idn.GetAscii(domain));
                domains.Add(Idn.GetUnicode(domain));
            }
            catch (ArgumentException)
            {
                // Lint refuses invalid domains; the entry still matches as written.
            }
        }

        this.addresses = addresses.GetAlternateLookup<ReadOnlySpan<char>>();
        this.domains = domains.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public bool Matches(MessageHeaders headers)
    {
        if (this.header.Name is null || this.header.Kind is not (HeaderSpecKind.Address or HeaderSpecKind.Value))
        {
            return false;
        }

        foreach (var address in headers.GetAddresses(this.header.Name))
        {
            if (Matches(address.AsSpan().Trim()))
            {
                return true;
            }
        }

        return false;
    }

    private bool Matches(ReadOnlySpan<char> address)
    {
        if (this.addresses.Contains(address))
        {
            return true;
        }

        var at = address.LastIndexOf('@');
        var domain = address[(at + 1)..].TrimEnd('.');
        while (domain.Length > 0)
        {
            if (this.domains.Contains(domain))
            {
                return true;
            }

            var dot = domain.IndexOf('.');
            if (dot < 0)
            {
                return false;
            }

            domain = domain[(dot + 1)..];
        }

        return false;
    }
}
