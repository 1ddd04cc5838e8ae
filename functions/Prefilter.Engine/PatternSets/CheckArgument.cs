using System.Globalization;

namespace Prefilter.Engine.PatternSets;

/// <summary>
/// One argument of a built-in check (<see cref="Rule.Args"/>): a number, a string, or <c>null</c> (no value, e.g. an
/// open end of a range, SpamAssassin's <c>undef</c>).
/// </summary>
public readonly record struct CheckArgument
{
    private CheckArgument(double? number, string? text)
    {
        Number = number;
        Text = text;
    }

    /// <summary>The argument without a value (JSON <c>null</c>).</summary>
    public static CheckArgument Null => default;

    /// <summary>The number, when the argument is one.</summary>
    public double? Number { get; }

    /// <summary>The string, when the argument is one.</summary>
    public string? Text { get; }

    /// <summary>True for <see cref="Null"/>.</summary>
    public bool IsNull => Number is null && Text is null;

    /// <summary>A number argument.</summary>
    /// <param name="value">A finite number.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="value"/> is not finite.</exception>
    public static CheckArgument FromNumber(double value) =>
        double.IsFinite(value) ? new CheckArgument(value, null) : throw new ArgumentOutOfRangeException(nameof(value), value, "A check argument must be finite.");

    /// <summary>A string argument.</summary>
    /// <param name="value">The string.</param>
    public static CheckArgument FromString(string value) => new(null, value ?? throw new ArgumentNullException(nameof(value)));

    /// <summary>The argument as JSON would show it: <c>-6</c>, <c>"Subject"</c>, <c>null</c>.</summary>
    public override string ToString() =>
        Number is { } number ? number.ToString("R", CultureInfo.InvariantCulture) : Text is { } text ? $"\"{text}\"" : "null";
}
