using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Ingest;

/// <summary>Limits of the ingress doors; bound from the <c>Ingest</c> section.</summary>
public sealed class IngestOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Ingest";

    /// <summary>Largest mail accepted (bytes); larger is refused (HTTP 413, SMTP 552) before anything is stored. Default 64 MiB.</summary>
    [Range(1024L, 1L << 31)]
    public long MaxMailBytes { get; set; } = 64L * 1024 * 1024;
}
