using System.Globalization;

namespace Prefilter.Engine.Linting;

/// <summary>Checks the entries of list rules: addresses are <c>local@domain</c>, domains are host names.</summary>
internal static class ListEntrySyntax
{
    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <returns>Null when valid, else why not.</returns>
    public static string? CheckDomain(string domain)
    {
        if (domain.StartsWith("*.", StringComparison.Ordinal) || domain.StartsWith('.'))
        {
            return $"domain '{domain}' must be written without a leading '*.' or '.'; subdomains always match";
        }

        if (domain.EndsWith('.'))
        {
            return $"domain '{domain}' must be written without a trailing '.'";
        }

        string ascii;
        try
        {
            // IDN mapping with STD3 rules refuses empty labels, spaces, '_' and other characters a mail domain cannot hold.
            ascii = Idn.GetAscii(domain);
        }
        catch (ArgumentException)
        {
            return $"'{domain}' is not a valid domain name";
        }

        if (ascii.Length > 253)
        {
            return $"domain '{domain}' is longer than 253 characters";
        }

        foreach (var label in ascii.Split('.'))
        {
            if (label.Length > 63)
            {
                return $"domain '{domain}' has a label longer than 63 characters";
            }
        }

        return null;
    }

    /// <returns>Null when valid, else why not.</returns>
    public static string? CheckAddress(string address)
    {
        var at = address.LastIndexOf('@');
        if (at <= 0 || at == address.Length - 1)
        {
            return $"'{address}' is not an email address (expected local-part@domain)";
        }

        var local = address.AsSpan(0, at);
        if (local.Length > 64)
        {
            return $"address '{address}' has a local part longer than 64 characters";
        }

        foreach (var c in local)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '<' or '>' or '(' or ')' or ',' or ';' or ':' or '[' or ']' or '\\' or '"')
            {
                return $"address '{address}' contains '{c}' in its local part; write the bare address, e.g. user@example.com";
            }
        }

        return CheckDomain(address[(at + 1)..]) is { } reason ? $"address '{address}': {reason}" : null;
    }
}
