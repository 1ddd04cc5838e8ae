namespace Prefilter.Engine.Checks;

/// <summary>What a built-in check's parameter takes.</summary>
public enum CheckParameterType
{
    /// <summary>A number.</summary>
    Number,

    /// <summary>A number, or <c>null</c> for none (e.g. an open end of a range).</summary>
    NumberOrNull,

    /// <summary>A header field name, e.g. <c>Subject</c>.</summary>
    HeaderName,

    /// <summary>A .NET regular expression the linear engine takes (no backreferences or lookarounds), e.g. <c>\d@</c>.</summary>
    Pattern,
}

/// <summary>One parameter of a built-in check.</summary>
/// <param name="Name">Its name in documentation and lint findings, e.g. <c>minHours</c>.</param>
/// <param name="Type">What it takes.</param>
/// <param name="Optional">Whether a rule may leave it out; only trailing parameters are.</param>
public sealed record CheckParameter(string Name, CheckParameterType Type, bool Optional = false);
