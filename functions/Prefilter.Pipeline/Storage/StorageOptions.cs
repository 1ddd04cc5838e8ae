using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Storage;

/// <summary>
/// Where the pipeline's blobs live; bound from the <c>Storage</c> section. Locally a connection string
/// (<c>Storage</c> itself or <c>Storage:connectionString</c>); in Azure the service URI with the app's managed
/// identity (<c>Storage__blobServiceUri</c>, the form the Functions blob extension reads for the same connection).
/// </summary>
public sealed class StorageOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "Storage";

    /// <summary>A storage connection string; for Azurite and local runs only.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The blob endpoint, e.g. <c>https://account.blob.core.windows.net</c>; used with <c>DefaultAzureCredential</c>.</summary>
    public Uri? BlobServiceUri { get; set; }

    /// <summary>
    /// The queue endpoint (<c>Storage__queueServiceUri</c>, which the queue trigger reads for the same connection); when
    /// absent, derived from <see cref="BlobServiceUri"/> (<c>.blob.</c> → <c>.queue.</c>). Unused with a connection string.
    /// </summary>
    public Uri? QueueServiceUri { get; set; }

    /// <summary>Prefix for every container name; empty in production, set by tests to isolate themselves.</summary>
    [RegularExpression("^[a-z0-9-]{0,40}$")]
    public string ContainerPrefix { get; set; } = "";

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) == (BlobServiceUri is null))
        {
            yield return new ValidationResult(
                "set exactly one of Storage:connectionString (local) or Storage:blobServiceUri (Azure, managed identity)",
                [nameof(ConnectionString), nameof(BlobServiceUri)]);
        }
    }
}
