namespace Prefilter.Pipeline.Storage;

/// <summary>A mail blob (or its companion envelope) does not exist. Not retryable: nothing will make it appear.</summary>
public sealed class MailNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="blobName">The missing blob.</param>
    /// <param name="innerException">The storage error (HTTP 404).</param>
    public MailNotFoundException(string blobName, Exception? innerException = null)
        : base($"blob '{blobName}' does not exist in the incoming container", innerException)
    {
        BlobName = blobName;
    }

    /// <summary>The missing blob.</summary>
    public string BlobName { get; }
}
