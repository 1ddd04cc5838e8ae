using Azure;

namespace Prefilter.Pipeline.Storage;

/// <summary>
/// The mail blob changed since it was read (its ETag no longer matches), so the outcome was not recorded.
/// Read the blob again and decide with its current outcome; never overwrite blindly.
/// </summary>
public sealed class MailOutcomeConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="blobName">The mail blob.</param>
    /// <param name="expected">The ETag the caller read.</param>
    /// <param name="innerException">The storage error (HTTP 412).</param>
    public MailOutcomeConflictException(string blobName, ETag expected, Exception? innerException = null)
        : base($"mail blob '{blobName}' changed since it was read (expected ETag {expected}); read it again", innerException)
    {
        BlobName = blobName;
        Expected = expected;
    }

    /// <summary>The mail blob.</summary>
    public string BlobName { get; }

    /// <summary>The ETag the caller read.</summary>
    public ETag Expected { get; }
}
