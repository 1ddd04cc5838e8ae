using System.Text.RegularExpressions;

namespace Prefilter.Engine.Checks;

/// <summary>
/// A set's <c>freemailDomains</c>, matched as SpamAssassin's FreeMail plugin matches them: an address is free mail when
/// its domain is listed (case-insensitively), or when a wildcard entry (<c>*</c> any run of characters but a dot,
/// <c>?</c> one character) matches it; a few role addresses (<c>abuse@</c>, <c>postmaster@</c>, bounces) never are.
/// </summary>
internal sealed partial class FreemailDomains
{
    private readonly HashSet<string> exact;
    private readonly Regex? wildcards;

    public FreemailDomains(IReadOnlyList<string> entries)
    {
        this.exact = new HashSet<string>(entries.Where(entry => !IsWildcard(entry)), StringComparer.OrdinalIgnoreCase);
        var wildcards = entries.Where(IsWildcard).Select(entry => Regex.Escape(entry.ToLowerInvariant()).Replace(@"\*", "[^.]*").Replace(@"\?", ".")).ToList();
        this.wildcards = wildcards.Count == 0 ? null
            : new Regex($"@(?:{string.Join('|', wildcards)})$", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking);
    }

    /// <summary>Whether the set lists any free-mail domain.</summary>
    public bool Any => this.exact.Count > 0 || this.wildcards is not null;

    /// <summary>The reason an entry cannot be a free-mail domain; null when it can.</summary>
    /// <param name="entry">An entry of <c>freemailDomains</c>.</param>
    public static string? Problem(string entry) =>
        entry.Length == 0 || entry.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '*' or '?'))
            ? $"the free-mail domain '{entry}' may only hold letters, digits, '.', '-' and the wildcards '*' and '?'"
            : null;

    /// <summary>Whether <paramref name="address"/> (lowercase, <c>local@domain</c>) is at a free-mail provider.</summary>
    public bool Contains(string address)
    {
        var at = address.LastIndexOf('@');
        if (address.Length == 0 || RoleAddress().IsMatch(address))
        {
            return false;
        }

        return this.exact.Contains(address[(at + 1)..]) || (this.wildcards?.IsMatch(address) ?? false);
    }

    private static bool IsWildcard(string entry) => entry.Contains('*') || entry.Contains('?');

    // SpamAssassin's default free-mail welcome list: role mailboxes and the addresses of bounces and forwards.
    [GeneratedRegex(@"^(?:abuse|support|sales|info|helpdesk|contact|kontakt|(?:post|host|domain)master|undisclosed.*|request-[a-f0-9]{16}|bounced?-" +
        @"|[a-f0-9]{8}(?:\.[a-f0-9]{8}|-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12})|.+=.+=.+)@", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase | RegexOptions.NonBacktracking)]
    private static partial Regex RoleAddress();
}
