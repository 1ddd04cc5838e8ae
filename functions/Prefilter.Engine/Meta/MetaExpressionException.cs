namespace Prefilter.Engine.Meta;

/// <summary>A meta expression could not be parsed.</summary>
public sealed class MetaExpressionException : Exception
{
    /// <summary>Creates the exception for a problem at <paramref name="offset"/> of <paramref name="expression"/>.</summary>
    /// <param name="expression">The whole expression text.</param>
    /// <param name="offset">Zero-based character offset of the problem.</param>
    /// <param name="reason">What is wrong, in plain words.</param>
    public MetaExpressionException(string expression, int offset, string reason)
        : base($"{reason} (at offset {offset} of \"{expression}\")")
    {
        Expression = expression;
        Offset = offset;
        Reason = reason;
    }

    /// <summary>The expression that failed to parse.</summary>
    public string Expression { get; }

    /// <summary>Zero-based character offset in <see cref="Expression"/> where the problem was found.</summary>
    public int Offset { get; }

    /// <summary>What is wrong, in plain words, without the offset.</summary>
    public string Reason { get; }
}
