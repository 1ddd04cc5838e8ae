namespace Prefilter.Engine.SpamAssassin;

/// <summary>Classes of <see cref="RegexConversionFailure"/>.</summary>
public enum RegexFailureKind
{
    /// <summary>Valid Perl with no .NET equivalent (e.g. <c>\K</c>, recursion).</summary>
    Unsupported,

    /// <summary>Perl (or SpamAssassin's rule compiler) rejects the pattern too.</summary>
    Invalid,

    /// <summary>The converted pattern does not construct in .NET.</summary>
    NotConstructible,
}
