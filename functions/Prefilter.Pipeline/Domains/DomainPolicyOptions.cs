using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Domains;

/// <summary>How the domain policy is refreshed; bound from the <c>Domains</c> section.</summary>
public sealed class DomainPolicyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Domains";

    /// <summary>How often <c>domains.json</c> is checked for a change (a conditional read). Default 5 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);
}
