namespace Prefilter.Engine.Checks;

/// <summary>A built-in check bound to a rule's arguments; immutable and shared by every scan of a compiled set.</summary>
internal abstract class BuiltInCheck
{
    /// <summary>Whether the rule hits this mail.</summary>
    /// <param name="message">The mail and the facts computed about it so far in this scan.</param>
    public abstract bool Hits(MessageAnalysis message);
}
