using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Api;

/// <summary>Limits of the HTTP API; bound from the <c>Api</c> section.</summary>
public sealed class ApiOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Api";

    /// <summary>
    /// Largest body of a command (rollback, kill switch), in bytes; larger ones get 413 before they are read.
    /// Default 64 KiB: such a body names a version, a reason and some rule ids. Pattern sets have their own limit,
    /// <c>Release:MaxSetBytes</c>.
    /// </summary>
    [Range(256, 16 * 1024 * 1024)]
    public int MaxCommandBytes { get; set; } = 64 * 1024;
}
