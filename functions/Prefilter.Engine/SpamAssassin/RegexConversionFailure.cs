namespace Prefilter.Engine.SpamAssassin;

/// <summary>Why a Perl regex was not converted.</summary>
/// <param name="Kind">The class of failure.</param>
/// <param name="Reason">Plain-language reason, naming the feature and its offset.</param>
/// <param name="Offset">Offset in the Perl pattern (between the delimiters) when known.</param>
public sealed record RegexConversionFailure(RegexFailureKind Kind, string Reason, int? Offset);
