using System.Diagnostics.CodeAnalysis;

namespace Prefilter.Engine.Checks;

/// <summary>A header SpamAssassin makes from its analysis of the mail rather than reads from it.</summary>
internal enum PseudoHeaderKind
{
    /// <summary>Not a pseudo-header.</summary>
    None,

    /// <summary><c>X-Spam-Relays-Trusted</c>.</summary>
    RelaysTrusted,

    /// <summary><c>X-Spam-Relays-Untrusted</c>.</summary>
    RelaysUntrusted,

    /// <summary><c>X-Spam-Relays-Internal</c>.</summary>
    RelaysInternal,

    /// <summary><c>X-Spam-Relays-External</c>.</summary>
    RelaysExternal,

    /// <summary><c>EnvelopeFrom</c>.</summary>
    EnvelopeFrom,
}

/// <summary>The names of SpamAssassin's pseudo-headers that header rules can read here.</summary>
public static class PseudoHeaders
{
    private static readonly Dictionary<string, PseudoHeaderKind> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["X-Spam-Relays-Trusted"] = PseudoHeaderKind.RelaysTrusted,
        ["X-Spam-Relays-Untrusted"] = PseudoHeaderKind.RelaysUntrusted,
        ["X-Spam-Relays-Internal"] = PseudoHeaderKind.RelaysInternal,
        ["X-Spam-Relays-External"] = PseudoHeaderKind.RelaysExternal,
        ["EnvelopeFrom"] = PseudoHeaderKind.EnvelopeFrom,
    };

    /// <summary>Every pseudo-header name, e.g. <c>X-Spam-Relays-Untrusted</c>.</summary>
    public static IReadOnlyCollection<string> Names => ByName.Keys;

    /// <summary>Whether a header rule naming <paramref name="name"/> reads a pseudo-header (names compare case-insensitively).</summary>
    public static bool IsPseudoHeader([NotNullWhen(true)] string? name) => name is not null && ByName.ContainsKey(name);

    internal static PseudoHeaderKind Of(string name) => ByName.GetValueOrDefault(name);
}
