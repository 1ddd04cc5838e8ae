namespace Prefilter.DevServices.Azurite;

/// <summary>How <see cref="AzuriteHost"/> starts Azurite.</summary>
public sealed class AzuriteHostOptions
{
    /// <summary>
    /// Folder for Azurite's data, kept across runs; null (the default) keeps everything in memory,
    /// which is what tests want: a fresh account per run and nothing left on disk.
    /// </summary>
    /// <remarks>
    /// Azurite writes blob content at once but saves its index of blobs every 5 seconds and when it stops. A killed
    /// owner process loses nothing (Azurite then stops by itself, see <see cref="OwnerProcessId"/>, and saves); Azurite
    /// itself killed with SIGKILL loses what changed since its last save.
    /// </remarks>
    public string? Location { get; init; }

    /// <summary>How long to wait for Azurite to report its ports (not counting <c>npm ci</c>). Default 60 s.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Azurite stops by itself within a few seconds once this process is gone, so a killed test run or
    /// <c>prefilter up</c> leaves nothing behind. Null (the default) means the current process.
    /// </summary>
    public int? OwnerProcessId { get; init; }
}
