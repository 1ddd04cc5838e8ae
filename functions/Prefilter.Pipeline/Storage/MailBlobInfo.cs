using Azure;
using Prefilter.Pipeline.Scanning;

namespace Prefilter.Pipeline.Storage;

/// <summary>What the pipeline knows about a mail blob without its content.</summary>
public sealed record MailBlobInfo
{
    /// <summary>Blob name in the incoming container.</summary>
    public required string Name { get; init; }

    /// <summary>The ETag read together with <see cref="Metadata"/>; pass it back to record an outcome.</summary>
    public required ETag ETag { get; init; }

    /// <summary>When the blob was created.</summary>
    public required DateTimeOffset CreatedOn { get; init; }

    /// <summary>Size of the mail in bytes.</summary>
    public required long Length { get; init; }

    /// <summary>The blob's metadata (keys in <see cref="MailMetadata"/>).</summary>
    public required IReadOnlyDictionary<string, string> Metadata { get; init; }

    /// <summary>The recorded outcome; null while the mail waits for its scan.</summary>
    public MailOutcome? Outcome => MailMetadata.ReadOutcome(Metadata);

    /// <summary>The recorded scan verdict, if any.</summary>
    public ScanVerdict? Verdict => MailMetadata.ReadVerdict(Metadata);
}
