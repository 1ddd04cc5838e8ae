using Azure;

namespace Prefilter.Pipeline.Patterns;

/// <summary>
/// <c>state.json</c> changed since it was read (HTTP 412/409), so nothing was written. Read the state again and
/// decide; the other writer's change stands.
/// </summary>
public sealed class PatternStateConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="expected">The ETag the caller read; null when it expected no state at all.</param>
    /// <param name="innerException">The storage error.</param>
    public PatternStateConflictException(ETag? expected, Exception? innerException = null)
        : base(expected is null
            ? "state.json was created by someone else meanwhile; read it and try again"
            : $"state.json changed since it was read (expected ETag {expected}); read it and try again", innerException)
    {
        Expected = expected;
    }

    /// <summary>The ETag the caller read; null when it expected no state at all.</summary>
    public ETag? Expected { get; }
}

/// <summary>
/// A stored pattern set does not match what refers to it: its digest (or version label) differs. The set is
/// refused; a scanner keeps the set it has.
/// </summary>
public sealed class PatternSetDigestMismatchException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="version">The version folder read.</param>
    /// <param name="expectedDigest">The digest the state (or caller) expects.</param>
    /// <param name="actualDigest">The digest of the content.</param>
    /// <param name="reason">What does not match.</param>
    public PatternSetDigestMismatchException(string version, string expectedDigest, string actualDigest, string reason)
        : base($"pattern set {version}: {reason} (expected digest {expectedDigest}, content has {actualDigest})")
    {
        Version = version;
        ExpectedDigest = expectedDigest;
        ActualDigest = actualDigest;
        Reason = reason;
    }

    /// <summary>The version folder read.</summary>
    public string Version { get; }

    /// <summary>The digest expected.</summary>
    public string ExpectedDigest { get; }

    /// <summary>The digest of the stored content.</summary>
    public string ActualDigest { get; }

    /// <summary>What does not match.</summary>
    public string Reason { get; }
}

/// <summary>A version label is already stored with different content; versions are immutable.</summary>
public sealed class PatternSetVersionConflictException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="version">The version label.</param>
    /// <param name="storedDigest">Digest of the stored content.</param>
    /// <param name="newDigest">Digest of the content offered.</param>
    public PatternSetVersionConflictException(string version, string storedDigest, string newDigest)
        : base($"pattern set version {version} already exists with digest {storedDigest}; versions are immutable, choose a new version for digest {newDigest}")
    {
        Version = version;
        StoredDigest = storedDigest;
        NewDigest = newDigest;
    }

    /// <summary>The version label.</summary>
    public string Version { get; }

    /// <summary>Digest of the stored content.</summary>
    public string StoredDigest { get; }

    /// <summary>Digest of the content offered.</summary>
    public string NewDigest { get; }
}

/// <summary>A pattern set version is not stored.</summary>
public sealed class PatternSetNotFoundException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="version">The missing version.</param>
    /// <param name="innerException">The storage error (HTTP 404).</param>
    public PatternSetNotFoundException(string version, Exception? innerException = null)
        : base($"pattern set version {version} is not stored", innerException)
    {
        Version = version;
    }

    /// <summary>The missing version.</summary>
    public string Version { get; }
}

/// <summary><c>state.json</c> exists but is not a valid state document.</summary>
public sealed class PatternStateFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="reason">What is wrong.</param>
    /// <param name="innerException">The parser's error.</param>
    public PatternStateFormatException(string reason, Exception? innerException = null)
        : base($"state.json is invalid: {reason}", innerException)
    {
        Reason = reason;
    }

    /// <summary>What is wrong.</summary>
    public string Reason { get; }
}

/// <summary>
/// No pattern set can be loaded and the policy is <see cref="NoPatternSetPolicy.Hold"/>. Retryable: the mail stays
/// in <c>incoming/</c> without an outcome; the blob trigger retries and the reconciler re-drives it later.
/// </summary>
public sealed class PatternSetUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">Why no set is available.</param>
    /// <param name="innerException">The last load error, if any.</param>
    public PatternSetUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
