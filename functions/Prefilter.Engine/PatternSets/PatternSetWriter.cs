using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using M = Prefilter.Engine.PatternSets.PatternSetMembers;

namespace Prefilter.Engine.PatternSets;

/// <summary>
/// Writes a pattern set in member order <see cref="PatternSetMembers"/>, either indented for people or in the
/// canonical form that the digest is computed over.
/// </summary>
/// <remarks>
/// The canonical form has no whitespace, omits every member that holds its default (null text, empty lists,
/// <c>false</c>, score 0, default thresholds), writes dates in UTC, numbers in .NET's shortest round-trip form,
/// and strings as raw UTF-8 escaping only <c>"</c>, <c>\</c> and control characters. Its bytes depend only on the
/// model, never on how the input was spelled; it deliberately does not use an encoder whose escaping could change
/// between runtime versions and so change digests.
/// </remarks>
internal sealed class PatternSetWriter
{
    private static readonly JsonWriterOptions IndentedOptions = new()
    {
        Indented = true,
        IndentSize = 2,
        NewLine = "\n",
        // Regexes and meta expressions are full of < > & + '; people should read them as written.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonWriterOptions CanonicalOptions = new() { Indented = false, SkipValidation = false };

    private static readonly SearchValues<char> MustEscape = SearchValues.Create(
        "\"\\\u0000\u0001\u0002\u0003\u0004\u0005\u0006\u0007\u0008\u0009\u000a\u000b\u000c\u000d\u000e\u000f"
        + "\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f");

    private readonly Utf8JsonWriter json;
    private readonly bool canonical;

    private PatternSetWriter(Utf8JsonWriter json, bool canonical)
    {
        this.json = json;
        this.canonical = canonical;
    }

    public static string WriteIndented(PatternSet set)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, IndentedOptions))
        {
            new PatternSetWriter(json, canonical: false).WriteSet(set);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan) + "\n";
    }

    public static byte[] WriteCanonical(PatternSet set)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var json = new Utf8JsonWriter(buffer, CanonicalOptions))
        {
            new PatternSetWriter(json, canonical: true).WriteSet(set);
        }

        return buffer.WrittenSpan.ToArray();
    }

    private void WriteSet(PatternSet set)
    {
        this.json.WriteStartObject();
        String(M.Name, set.Name);
        String(M.Version, set.Version);
        String(M.Created, FormatDate(set.Created));
        OptionalString(M.Description, set.Description);
        var thresholds = set.Thresholds ?? new Thresholds();
        if (!this.canonical || thresholds != new Thresholds())
        {
            this.json.WriteStartObject(M.Thresholds);
            Number(M.Tag, thresholds.Tag);
            Number(M.Quarantine, thresholds.Quarantine);
            this.json.WriteEndObject();
        }

        Strings(M.FreemailDomains, set.FreemailDomains);
        this.json.WriteStartArray(M.Rules);
        foreach (var rule in set.Rules ?? [])
        {
            WriteRule(rule);
        }

        this.json.WriteEndArray();
        this.json.WriteEndObject();
    }

    private void WriteRule(Rule rule)
    {
        this.json.WriteStartObject();
        String(M.Id, rule.Id);
        String(M.Kind, RuleKindNames.ToName(rule.Kind));
        OptionalString(M.Description, rule.Description);
        if (!this.canonical || rule.Score != 0)
        {
            Number(M.Score, rule.Score);
        }

        Strings(M.Flags, rule.Flags);
        OptionalString(M.Header, rule.Header);
        if (rule.Negate)
        {
            this.json.WriteBoolean(M.Negate, true);
        }

        OptionalString(M.IfUnset, rule.IfUnset);
        OptionalString(M.Target, rule.Target);
        OptionalString(M.Pattern, rule.Pattern);
        Strings(M.Addresses, rule.Addresses);
        Strings(M.Domains, rule.Domains);
        OptionalString(M.Expression, rule.Expression);
        OptionalString(M.Check, rule.Check);
        Arguments(rule.Args);
        this.json.WriteEndObject();
    }

    private void Arguments(IReadOnlyList<CheckArgument> args)
    {
        if (args.Count == 0)
        {
            return;
        }

        this.json.WriteStartArray(M.Args);
        foreach (var argument in args)
        {
            if (argument.Number is { } number)
            {
                this.json.WriteRawValue(FormatNumber(number), skipInputValidation: true);
            }
            else if (argument.Text is { } text)
            {
                StringValue(text);
            }
            else
            {
                this.json.WriteNullValue();
            }
        }

        this.json.WriteEndArray();
    }

    private void OptionalString(string member, string? value)
    {
        if (value is not null)
        {
            String(member, value);
        }
    }

    private void String(string member, string value)
    {
        this.json.WritePropertyName(member);
        StringValue(value);
    }

    private void StringValue(string value)
    {
        if (this.canonical)
        {
            WriteCanonicalString(value);
        }
        else
        {
            this.json.WriteStringValue(value);
        }
    }

    private void Strings(string member, IReadOnlyList<string>? values)
    {
        if (values is null || values.Count == 0)
        {
            return;
        }

        this.json.WriteStartArray(member);
        foreach (var value in values)
        {
            StringValue(value);
        }

        this.json.WriteEndArray();
    }

    private void Number(string member, double value)
    {
        this.json.WritePropertyName(member);
        this.json.WriteRawValue(FormatNumber(value), skipInputValidation: true);
    }

    private string FormatDate(DateTimeOffset value) =>
        this.canonical || value.Offset == TimeSpan.Zero
            ? value.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture)
            : value.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFFzzz", CultureInfo.InvariantCulture);

    /// <summary>Shortest text that parses back to the same double; 0 for negative zero.</summary>
    internal static string FormatNumber(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A pattern set holds only finite numbers; lint refuses others.");
        }

        return (value == 0 ? 0 : value).ToString("R", CultureInfo.InvariantCulture);
    }

    private void WriteCanonicalString(string value)
    {
        if (value.AsSpan().ContainsAny(MustEscape))
        {
            this.json.WriteRawValue(EscapedCanonicalString(value), skipInputValidation: true);
            return;
        }

        // Most strings need no escaping: quote the UTF-8 bytes through a pooled buffer.
        var length = Encoding.UTF8.GetMaxByteCount(value.Length) + 2;
        var buffer = ArrayPool<byte>.Shared.Rent(length);
        try
        {
            buffer[0] = (byte)'"';
            var written = Encoding.UTF8.GetBytes(value, buffer.AsSpan(1));
            buffer[written + 1] = (byte)'"';
            this.json.WriteRawValue(buffer.AsSpan(0, written + 2), skipInputValidation: true);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] EscapedCanonicalString(string value)
    {
        var text = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case < ' ':
                    text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default:
                    text.Append(c);
                    break;
            }
        }

        // Lone surrogates cannot be UTF-8; the encoder replaces them with U+FFFD, which is deterministic.
        return Encoding.UTF8.GetBytes(text.Append('"').ToString());
    }
}
