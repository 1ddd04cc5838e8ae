using System.Diagnostics.CodeAnalysis;

namespace Prefilter.Engine.PatternSets;

/// <summary>What a header rule reads, from <see cref="HeaderSpec.Kind"/>.</summary>
public enum HeaderSpecKind
{
    /// <summary><c>Name</c>: the decoded value of every header with that name.</summary>
    Value,

    /// <summary><c>ALL</c>: all headers, one <c>Name: value</c> line each.</summary>
    All,

    /// <summary><c>Name:addr</c>: the bare addresses in an address header.</summary>
    Address,

    /// <summary><c>Name:name</c>: the display names in an address header.</summary>
    DisplayName,

    /// <summary><c>exists:Name</c>: hits when the header is present; no pattern.</summary>
    Exists,

    /// <summary>
    /// <c>Name:raw</c>: the value of every header with that name as written: encoded words not decoded, leading
    /// whitespace and folding kept.
    /// </summary>
    Raw,

    /// <summary><c>ALL:raw</c>: the header section as written, one <c>Name:value</c> field (folding kept) a line.</summary>
    AllRaw,
}

/// <summary>
/// The parsed form of <see cref="Rule.Header"/>: <c>Subject</c>, <c>ALL</c>, <c>From:addr</c>, <c>From:name</c>,
/// <c>Subject:raw</c>, <c>ALL:raw</c>, <c>exists:X-Mailer</c>. Header names are compared case-insensitively when
/// matching.
/// </summary>
/// <param name="Kind">What is read.</param>
/// <param name="Name">The header name; null for <see cref="HeaderSpecKind.All"/> and <see cref="HeaderSpecKind.AllRaw"/>.</param>
public readonly record struct HeaderSpec(HeaderSpecKind Kind, string? Name)
{
    /// <summary>The header spec a list rule uses when it names none.</summary>
    public static HeaderSpec DefaultListHeader { get; } = new(HeaderSpecKind.Address, "From");

    /// <summary>Parses a header spec.</summary>
    /// <param name="text">The spec as written in a rule.</param>
    /// <param name="spec">The parsed spec when valid.</param>
    /// <param name="reason">Why the spec is invalid, in plain words, when it is.</param>
    /// <returns>True when the spec is valid.</returns>
    public static bool TryParse(string? text, out HeaderSpec spec, [NotNullWhen(false)] out string? reason)
    {
        spec = default;
        if (string.IsNullOrEmpty(text))
        {
            reason = "the header spec is empty";
            return false;
        }

        if (text is "ALL" or "ALL:raw")
        {
            spec = new HeaderSpec(text == "ALL" ? HeaderSpecKind.All : HeaderSpecKind.AllRaw, null);
            reason = null;
            return true;
        }

        if (text.StartsWith("exists:", StringComparison.Ordinal))
        {
            var existsName = text["exists:".Length..];
            if (!IsValidName(existsName, out reason))
            {
                return false;
            }

            spec = new HeaderSpec(HeaderSpecKind.Exists, existsName);
            return true;
        }

        var colon = text.IndexOf(':', StringComparison.Ordinal);
        var name = colon < 0 ? text : text[..colon];
        if (!IsValidName(name, out reason))
        {
            return false;
        }

        HeaderSpecKind found;
        switch (colon < 0 ? null : text[(colon + 1)..])
        {
            case null:
                found = HeaderSpecKind.Value;
                break;
            case "addr":
                found = HeaderSpecKind.Address;
                break;
            case "name":
                found = HeaderSpecKind.DisplayName;
                break;
            case "raw":
                found = HeaderSpecKind.Raw;
                break;
            case var modifier:
                reason = $"unknown header modifier ':{modifier}' (use ':addr', ':name' or ':raw')";
                return false;
        }

        if (name == "ALL" && found != HeaderSpecKind.Value)
        {
            reason = "ALL cannot take ':addr' or ':name'";
            return false;
        }

        spec = new HeaderSpec(found, name);
        return true;
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        HeaderSpecKind.All => "ALL",
        HeaderSpecKind.Address => $"{Name}:addr",
        HeaderSpecKind.DisplayName => $"{Name}:name",
        HeaderSpecKind.Exists => $"exists:{Name}",
        HeaderSpecKind.Raw => $"{Name}:raw",
        HeaderSpecKind.AllRaw => "ALL:raw",
        _ => Name ?? "",
    };

    // RFC 5322 field names: printable US-ASCII except the colon.
    private static bool IsValidName(string name, [NotNullWhen(false)] out string? reason)
    {
        if (name.Length == 0)
        {
            reason = "the header name is empty";
            return false;
        }

        foreach (var c in name)
        {
            if (c is < '!' or > '~' or ':')
            {
                reason = $"the header name '{name}' contains '{c}'; header names are printable ASCII without spaces or ':'";
                return false;
            }
        }

        reason = null;
        return true;
    }
}
