using Azure.Storage.Blobs;
using Prefilter.DevServices.Azurite;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Tests.Fixtures;

/// <summary>
/// One Azurite for the whole "pipeline" collection. Tests isolate themselves with <see cref="NewContainers"/>
/// (a container prefix of their own) instead of starting their own Azurite.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    private int prefixes;

    /// <summary>The running Azurite.</summary>
    public AzuriteHost Host { get; private set; } = null!;

    /// <summary>A client for the account.</summary>
    public BlobServiceClient Blobs { get; private set; } = null!;

    /// <summary>The connection string of the account.</summary>
    public string ConnectionString => Host.ConnectionString;

    /// <summary>Container names no other test in this run uses.</summary>
    public PipelineContainers NewContainers() =>
        new($"t{Interlocked.Increment(ref prefixes)}-");

    /// <summary>Creates the containers of a prefix.</summary>
    public Task CreateContainersAsync(PipelineContainers containers) => PipelineStorage.EnsureContainersAsync(Blobs, containers);

    /// <summary>Deletes the containers of a prefix (Azurite keeps blobs in memory).</summary>
    public async Task DeleteContainersAsync(PipelineContainers containers)
    {
        foreach (var name in containers.All)
        {
            await Blobs.GetBlobContainerClient(name).DeleteIfExistsAsync();
        }
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        Host = await AzuriteHost.StartAsync();
        Blobs = new BlobServiceClient(Host.ConnectionString);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        if (Host is not null)
        {
            await Host.DisposeAsync();
        }
    }
}
