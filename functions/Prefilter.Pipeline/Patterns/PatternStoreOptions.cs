using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Patterns;

/// <summary>How scanners follow the pattern store; bound from the <c>Patterns</c> section.</summary>
public sealed class PatternStoreOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Patterns";

    /// <summary>How often <c>state.json</c> is checked for a new active version (a conditional read). Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>What to do while no pattern set can be loaded at all. Default <see cref="Patterns.NoPatternSetPolicy.Hold"/>.</summary>
    [EnumDataType(typeof(NoPatternSetPolicy))]
    public NoPatternSetPolicy NoPatternSetPolicy { get; set; } = NoPatternSetPolicy.Hold;
}
