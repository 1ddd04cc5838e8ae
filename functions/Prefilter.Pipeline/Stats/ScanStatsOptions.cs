using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Stats;

/// <summary>How scan figures are aggregated and shared; bound from the <c>ScanStats</c> section.</summary>
public sealed class ScanStatsOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ScanStats";

    /// <summary>The table holding the figures. Default <c>scanstats</c>.</summary>
    [Required]
    [RegularExpression("^[A-Za-z][A-Za-z0-9]{2,62}$")]
    public string TableName { get; set; } = "scanstats";

    /// <summary>
    /// The table endpoint in Azure (managed identity), e.g. <c>https://account.table.core.windows.net</c>. Not needed
    /// with a storage connection string; when missing, <c>Storage:tableServiceUri</c> (what the deployment sets), else
    /// derived from <c>Storage:blobServiceUri</c> (<c>.blob.</c> → <c>.table.</c>).
    /// </summary>
    public Uri? TableServiceUri { get; set; }

    /// <summary>How often an instance writes its figures to the table. Default 30 s; the watchdog sees figures this late.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The time bucket of one stored row (whole seconds). Default 1 min. Readers add up whole windows, so this is the
    /// resolution of a watchdog's time range.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Window { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// This instance's name in row keys. Default: machine name plus a random suffix, new for every process, so a
    /// restarted instance never overwrites the figures its predecessor wrote for the same window.
    /// </summary>
    [RegularExpression("^[A-Za-z0-9._-]{1,100}$")]
    public string? InstanceId { get; set; }

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (Window.Ticks % TimeSpan.TicksPerSecond != 0)
        {
            yield return new ValidationResult($"{SectionName}:Window must be whole seconds, not {Window}", [nameof(Window)]);
        }
    }
}
