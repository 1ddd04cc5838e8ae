using Azure.Storage.Blobs;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Prefilter.DevServices.Azurite;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Tests.Domains;

/// <summary>The provider's refresh against an Azurite of its own, which the test stops.</summary>
public sealed class DomainPolicyRefreshTests
{
    // Regression: once its retries ran out the blob client threw an AggregateException, which the refresh let escape
    // instead of keeping the policy it had (loadtest --faults, Azurite down 30 s).
    [Fact]
    public async Task A_refresh_that_cannot_reach_storage_keeps_the_policy_it_had()
    {
        var time = new FakeTimeProvider();
        var containers = new PipelineContainers();
        DomainPolicyProvider provider;
        await using (var azurite = await AzuriteHost.StartAsync())
        {
            var blobs = new BlobServiceClient(azurite.ConnectionString, new BlobClientOptions { Retry = { MaxRetries = 1, Delay = TimeSpan.FromMilliseconds(10) } });
            await PipelineStorage.EnsureContainersAsync(blobs, containers);
            var store = new DomainPolicyStore(blobs, containers);
            await store.WriteAsync(DomainPolicy.Parse("""{ "domains": [ { "domain": "example.org", "downstream": { "host": "127.0.0.1", "port": 25 } } ] }"""u8.ToArray()), null);
            provider = new DomainPolicyProvider(store, Options.Create(new DomainPolicyOptions()), time, NullLogger<DomainPolicyProvider>.Instance);
            Assert.Single((await provider.GetAsync()).Domains);
        }

        using (provider)
        {
            time.Advance(TimeSpan.FromMinutes(1));
            var kept = await provider.GetAsync();

            Assert.Equal("example.org", Assert.Single(kept.Domains).Domain);
        }
    }
}
