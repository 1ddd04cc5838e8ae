using System.ComponentModel.DataAnnotations;

namespace Prefilter.Pipeline.Messaging;

/// <summary>
/// The Service Bus namespace and queue between scanning and delivery; bound from the <c>ServiceBus</c> section.
/// Locally a connection string (<c>ServiceBus</c> itself or <c>ServiceBus:connectionString</c>, the dev broker's
/// <c>…;UseDevelopmentEmulator=true</c> form); in Azure <c>ServiceBus__fullyQualifiedNamespace</c> with the
/// app's managed identity.
/// </summary>
public sealed class ServiceBusOptions : IValidatableObject
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "ServiceBus";

    /// <summary>The queue name used in Azure and locally.</summary>
    public const string DefaultDeliverQueue = "deliver";

    /// <summary>A connection string; local runs only.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>The namespace host, e.g. <c>prefilter.servicebus.windows.net</c>; used with <c>DefaultAzureCredential</c>.</summary>
    public string? FullyQualifiedNamespace { get; set; }

    /// <summary>Queue for claim checks. Default <c>deliver</c>.</summary>
    [Required]
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$")]
    public string DeliverQueue { get; set; } = DefaultDeliverQueue;

    /// <inheritdoc />
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (string.IsNullOrWhiteSpace(ConnectionString) == string.IsNullOrWhiteSpace(FullyQualifiedNamespace))
        {
            yield return new ValidationResult(
                "set exactly one of ServiceBus:connectionString (local) or ServiceBus:fullyQualifiedNamespace (Azure, managed identity)",
                [nameof(ConnectionString), nameof(FullyQualifiedNamespace)]);
        }
    }
}
