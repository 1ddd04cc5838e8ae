using System.Collections;
using System.Text;
using MimeKit;

namespace Prefilter.Engine.Messages;

/// <summary>One header field of a mail, in the order it appeared.</summary>
public sealed class MessageHeader
{
    internal MessageHeader(string name, string value, string rawValue, byte[] rawBytes)
    {
        Name = name;
        Value = value;
        RawValue = rawValue;
        RawBytes = rawBytes;
    }

    /// <summary>Field name as written, e.g. <c>Subject</c>.</summary>
    public string Name { get; }

    /// <summary>Unfolded value with RFC 2047 encoded words and 8-bit text decoded; what SpamAssassin header rules match.</summary>
    public string Value { get; }

    /// <summary>
    /// The value as written, as SpamAssassin's <c>Name:raw</c> reads it: everything after the colon, encoded words not
    /// decoded, leading whitespace and folding kept (line breaks as <c>\n</c>), the final line break removed; each
    /// byte one Latin-1 character.
    /// </summary>
    public string RawValue { get; }

    internal byte[] RawBytes { get; }
}

/// <summary>
/// The top-level header fields of a mail in their original order, with case-insensitive lookup by name
/// and the derived forms header rules read (<c>ALL</c>, <c>Name:addr</c>, <c>Name:name</c>).
/// </summary>
public sealed class MessageHeaders : IReadOnlyList<MessageHeader>
{
    private readonly MessageHeader[] headers;
    private readonly Dictionary<string, List<string>> valuesByName;
    private readonly ParserOptions parserOptions;
    private string? all;
    private string? allRaw;
    private TextUnits? values;

    internal MessageHeaders(MessageHeader[] headers, ParserOptions parserOptions)
    {
        this.headers = headers;
        this.parserOptions = parserOptions;
        valuesByName = new Dictionary<string, List<string>>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers)
        {
            if (!valuesByName.TryGetValue(header.Name, out var list))
            {
                list = new List<string>(1);
                valuesByName.Add(header.Name, list);
            }

            list.Add(header.Value);
        }
    }

    /// <summary>Number of header fields.</summary>
    public int Count => headers.Length;

    /// <summary>The header field at <paramref name="index"/>.</summary>
    /// <exception cref="IndexOutOfRangeException"><paramref name="index"/> is not a field index.</exception>
    public MessageHeader this[int index] => headers[index];

    /// <summary>
    /// All fields as SpamAssassin's <c>ALL</c>: one unfolded, decoded line <c>Name: value\n</c> per field, in order.
    /// Built on first use.
    /// </summary>
    public string All => all ??= BuildAll();

    /// <summary>
    /// All fields as SpamAssassin's <c>ALL:raw</c>: one line <c>Name:value</c> per field with the value as written
    /// (<see cref="MessageHeader.RawValue"/>, folding kept), in order. Built on first use.
    /// </summary>
    public string AllRaw => allRaw ??= string.Concat(headers.Select(header => $"{header.Name}:{header.RawValue}\n"));

    /// <summary>
    /// The decoded values as units (unit <c>i</c> is the value of field <c>i</c>), for one literal pass
    /// over every header value. Built on first use.
    /// </summary>
    public TextUnits Values => values ??= BuildValues();

    /// <summary>Whether a field named <paramref name="name"/> exists (case-insensitive). O(1).</summary>
    public bool Contains(string name) => valuesByName.ContainsKey(name);

    /// <summary>Decoded values of every field named <paramref name="name"/> (case-insensitive), in order; empty when absent.</summary>
    public IReadOnlyList<string> GetValues(string name) =>
        valuesByName.TryGetValue(name, out var found) ? found : [];

    /// <summary>
    /// Decoded values of every field named <paramref name="name"/> joined with <c>\n</c>, as SpamAssassin
    /// presents a repeated header to a rule; null when absent. No allocation for a single field.
    /// </summary>
    public string? GetJoined(string name) =>
        valuesByName.TryGetValue(name, out var found) ? found.Count == 1 ? found[0] : string.Join('\n', found) : null;

    /// <summary>
    /// Values as written (<see cref="MessageHeader.RawValue"/>) of every field named <paramref name="name"/> joined with
    /// <c>\n</c>, for <c>Name:raw</c> rules; null when absent.
    /// </summary>
    public string? GetRawJoined(string name) =>
        valuesByName.ContainsKey(name)
            ? string.Join('\n', headers.Where(header => header.Name.Equals(name, StringComparison.OrdinalIgnoreCase)).Select(header => header.RawValue))
            : null;

    /// <summary>
    /// Addresses (<c>local@domain</c>, as written) in every field named <paramref name="name"/>, groups
    /// flattened, for <c>Name:addr</c> rules; empty when absent. Addresses compare case-insensitively.
    /// </summary>
    public IReadOnlyList<string> GetAddresses(string name) => CollectMailboxes(name, names: false);

    /// <summary>Display names (decoded; empty string when a mailbox has none) in every field named <paramref name="name"/>, for <c>Name:name</c> rules.</summary>
    public IReadOnlyList<string> GetDisplayNames(string name) => CollectMailboxes(name, names: true);

    /// <inheritdoc />
    public IEnumerator<MessageHeader> GetEnumerator() => ((IEnumerable<MessageHeader>)headers).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => headers.GetEnumerator();

    /// <summary>The addresses in a header value, read as <see cref="GetAddresses"/> reads a field's.</summary>
    internal List<string> ParseAddresses(string value)
    {
        var result = new List<string>();
        if (InternetAddressList.TryParse(parserOptions, value, out var list))
        {
            result.AddRange(list.Mailboxes.Select(mailbox => mailbox.Address));
        }
        else
        {
            AddressFallback.Extract(value, result);
        }

        return result;
    }

    private List<string> CollectMailboxes(string name, bool names)
    {
        var result = new List<string>();
        if (!valuesByName.ContainsKey(name))
        {
            return result;
        }

        foreach (var header in headers)
        {
            if (!header.Name.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (InternetAddressList.TryParse(parserOptions, header.RawBytes, out var list))
            {
                foreach (var mailbox in list.Mailboxes)
                {
                    result.Add(names ? mailbox.Name ?? string.Empty : mailbox.Address);
                }
            }
            else if (!names)
            {
                AddressFallback.Extract(header.Value, result);
            }
        }

        return result;
    }

    private string BuildAll()
    {
        var builder = new StringBuilder();
        foreach (var header in headers)
        {
            builder.Append(header.Name).Append(": ").Append(header.Value).Append('\n');
        }

        return builder.ToString();
    }

    private TextUnits BuildValues()
    {
        using var builder = new TextUnitsBuilder();
        foreach (var header in headers)
        {
            builder.StartUnit();
            builder.Append(header.Value);
        }

        return builder.Build();
    }
}

/// <summary>Finds addresses in a header value that the RFC 5322 parser refused (spam often breaks the syntax).</summary>
internal static class AddressFallback
{
    public static void Extract(string value, List<string> result)
    {
        var rest = value.AsSpan();
        bool any = false;
        while (true)
        {
            int open = rest.IndexOf('<');
            if (open < 0)
            {
                break;
            }

            int close = rest[open..].IndexOf('>');
            if (close < 0)
            {
                break;
            }

            var inner = rest.Slice(open + 1, close - 1).Trim(" \t\"'<>");
            if (inner.Contains('@'))
            {
                result.Add(inner.ToString());
                any = true;
            }

            rest = rest[(open + close + 1)..];
        }

        if (any)
        {
            return;
        }

        foreach (var token in value.Split([',', ';', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var trimmed = token.Trim('"', '\'', '<', '>', '(', ')');
            if (trimmed.Contains('@'))
            {
                result.Add(trimmed);
            }
        }
    }
}
