namespace Prefilter.Engine.Scanning;

/// <summary>What runs a set's patterns before .NET's engines do. Hits are the same with every accelerator.</summary>
public enum ScanAccelerator
{
    /// <summary>.NET's engines alone, woken by the literal passes.</summary>
    None,

    /// <summary>
    /// Intel's Hyperscan (<c>libhs.so.5</c>): one database per part of the mail holds every pattern it can take, and one
    /// pass per unit reports each that matches. A pattern it takes exactly needs no other engine; one it takes as a
    /// screen (a wider expression) is confirmed by .NET's engine on the units it reports. Patterns it cannot take run
    /// as with <see cref="None"/>. Used only when the library loads; otherwise the set runs as with <see cref="None"/>.
    /// </summary>
    Hyperscan,
}

/// <summary>What a match of one Hyperscan expression says of the pattern it was translated from.</summary>
public enum HyperscanExpressionUse
{
    /// <summary>The pattern matches there.</summary>
    Exact,

    /// <summary>On a unit of ASCII only, the pattern matches there (its word boundaries are ASCII's); other units ignore it.</summary>
    ExactOnAscii,

    /// <summary>On a unit with non-ASCII text, the pattern may match there and .NET's engine confirms; ASCII units ignore it.</summary>
    ScreenOnNonAscii,

    /// <summary>The pattern may match there, and .NET's engine confirms.</summary>
    Screen,
}
