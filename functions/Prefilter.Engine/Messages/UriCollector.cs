using System.Buffers;
using System.Net;

namespace Prefilter.Engine.Messages;

/// <summary>
/// Collects URIs from HTML attributes and from text, deduplicated in first-seen order, capped in count and length.
/// </summary>
internal sealed class UriCollector : IDisposable
{
    private static readonly SearchValues<string> TextStarts = SearchValues.Create(
        ["http://", "https://", "ftp://", "mailto:", "www."], StringComparison.OrdinalIgnoreCase);

    // Characters that end a URI written in text (RFC 3986 excludes them, mail text delimits with them).
    private static readonly SearchValues<char> TextEnds = SearchValues.Create(
        "\t\n\v\f\r \"'<>`{}|\\^\u00A0\u2028\u2029\u3000");

    private static readonly SearchValues<char> TrailingPunctuation = SearchValues.Create(".,;:!?)]}*");

    private static readonly SearchValues<char> EmbeddedBreaks = SearchValues.Create("\t\n\r");

    private readonly TextUnitsBuilder units = new(1024);
    private readonly HashSet<string> seen = new(StringComparer.Ordinal);
    private readonly int maxUris;
    private readonly int maxChars;

    public UriCollector(int maxUris, int maxChars)
    {
        this.maxUris = maxUris;
        this.maxChars = maxChars;
    }

    /// <summary>True once a URI was dropped because <c>MaxUris</c> was reached.</summary>
    public bool CountTruncated { get; private set; }

    /// <summary>True once a URI was cut at <c>MaxUriChars</c>.</summary>
    public bool LengthTruncated { get; private set; }

    /// <summary>Adds the value of a URI attribute (<c>href</c>, <c>src</c>, …) as written in HTML.</summary>
    public void AddAttributeValue(ReadOnlySpan<char> value)
    {
        value = value.Trim();
        if (value.IsEmpty)
        {
            return;
        }

        // Browsers decode entities in attribute values and drop tabs and line breaks inside URLs.
        if (value.Contains('&') || value.ContainsAny(EmbeddedBreaks))
        {
            string cleaned = WebUtility.HtmlDecode(value.ToString());
            cleaned = cleaned.Replace("\t", string.Empty, StringComparison.Ordinal)
                .Replace("\r", string.Empty, StringComparison.Ordinal)
                .Replace("\n", string.Empty, StringComparison.Ordinal);
            Add(cleaned);
            return;
        }

        Add(value);
    }

    /// <summary>
    /// Finds <c>http(s)://</c>, <c>ftp://</c>, <c>mailto:</c> and bare <c>www.</c> URIs in text, then bare
    /// e-mail addresses, listed as <c>mailto:</c> URIs as SpamAssassin does.
    /// </summary>
    public void ScanText(ReadOnlySpan<char> text)
    {
        ScanSchemes(text);
        ScanAddresses(text);
    }

    private static bool IsLocalPartChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-';

    private static bool IsDomainChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-';

    private void ScanAddresses(ReadOnlySpan<char> text)
    {
        int position = 0;
        while (position < text.Length && !CountTruncated)
        {
            int found = text[position..].IndexOf('@');
            if (found < 0)
            {
                return;
            }

            int at = position + found;
            int start = at;
            while (start > 0 && IsLocalPartChar(text[start - 1]))
            {
                start--;
            }

            int end = at + 1;
            while (end < text.Length && IsDomainChar(text[end]))
            {
                end++;
            }

            var local = text[start..at].Trim('.');
            var domain = text[(at + 1)..end].TrimEnd('.').TrimEnd('-');
            if (!local.IsEmpty && domain.Length > 2 && domain.Contains('.') && char.IsAsciiLetterOrDigit(domain[0]))
            {
                Add(string.Concat("mailto:", local, "@", domain));
            }

            position = end > at + 1 ? end : at + 1;
        }
    }

    private void ScanSchemes(ReadOnlySpan<char> text)
    {
        int position = 0;
        while (position < text.Length && !CountTruncated)
        {
            int found = text[position..].IndexOfAny(TextStarts);
            if (found < 0)
            {
                return;
            }

            int start = position + found;
            int length = text[start..].IndexOfAny(TextEnds);
            int end = length < 0 ? text.Length : start + length;
            var candidate = text[start..end];
            int kept = candidate.LastIndexOfAnyExcept(TrailingPunctuation);
            candidate = candidate[..(kept + 1)];
            position = Math.Max(end, start + 1);

            if (text[start..].StartsWith("www.", StringComparison.OrdinalIgnoreCase))
            {
                // A bare host only counts on its own, not inside a word, an address or a path.
                bool standalone = start == 0 || !IsHostOrPathChar(text[start - 1]);
                if (standalone && candidate.Length > 4 && char.IsAsciiLetterOrDigit(candidate[4]))
                {
                    // SpamAssassin lists both the text as written and its canonical http:// form.
                    Add(candidate);
                    Add(string.Concat("http://", candidate));
                }
            }
            else
            {
                int colon = candidate.IndexOf(':');
                if (colon > 0 && !candidate[(colon + 1)..].TrimStart('/').IsEmpty)
                {
                    Add(candidate);
                }
            }
        }
    }

    public TextUnits Build() => units.Build();

    public void Dispose() => units.Dispose();

    private static bool IsHostOrPathChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '/' or '@' or '_';

    private void Add(ReadOnlySpan<char> uri)
    {
        if (uri.IsEmpty)
        {
            return;
        }

        if (uri.Length > maxChars)
        {
            uri = uri[..maxChars];
            LengthTruncated = true;
        }

        var lookup = seen.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.Contains(uri))
        {
            return;
        }

        if (seen.Count >= maxUris)
        {
            CountTruncated = true;
            return;
        }

        lookup.Add(uri);
        units.StartUnit();
        units.Append(uri);
    }
}
