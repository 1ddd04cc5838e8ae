using Azure;

namespace Prefilter.Pipeline.Storage;

/// <summary>Tells a failure of storage (retry later) from a bug.</summary>
internal static class StorageFailure
{
    /// <summary>
    /// Whether <paramref name="exception"/> is storage failing: Azure.Core throws <see cref="RequestFailedException"/>
    /// for a failed request, and an <see cref="AggregateException"/> of them when its retries ran out without any
    /// response (the endpoint cannot be reached).
    /// </summary>
    public static bool Is(Exception exception) =>
        exception is RequestFailedException ||
        (exception is AggregateException aggregate && aggregate.InnerExceptions.All(inner => inner is RequestFailedException));
}
