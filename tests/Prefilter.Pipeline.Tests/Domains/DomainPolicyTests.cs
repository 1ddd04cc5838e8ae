using Prefilter.Pipeline.Addressing;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Domains;

public sealed class DomainPolicyTests
{
    private const string TwoCustomers = """
        {
          // comments are allowed: operators annotate their lists
          "domains": [
            { "domain": "Contoso.Example", "downstream": { "host": "mx.contoso.internal", "port": 25, "tls": "StartTls",
                "credentials": { "username": "relay", "passwordSecret": "Downstreams:contoso:Password" } },
              "thresholds": { "tag": 3, "quarantine": 20 } },
            { "domain": "sales.contoso.example", "downstream": { "host": "mx.contoso.internal", "port": 25, "tls": "StartTls",
                "credentials": { "username": "relay", "passwordSecret": "Downstreams:contoso:Password" } } },
            { "domain": "fabrikam.example", "includeSubdomains": true, "downstream": { "host": "10.1.2.3", "port": 2525 } },
            { "domain": "bücher.example", "downstream": { "host": "mx.buecher.internal", "port": 465, "tls": "Tls" } }
          ]
        }
        """;

    private static DomainPolicy Parse(string json) => DomainPolicy.Parse(Encoding.UTF8.GetBytes(json));

    [Fact]
    public void Recipients_split_by_downstream_and_unlisted_domains_are_not_served()
    {
        var policy = Parse(TwoCustomers);

        var plan = policy.Route(["a@contoso.example", "b@fabrikam.example", "c@SALES.contoso.example", "d@eu.fabrikam.example", "e@evil.example", "f@xn--bcher-kva.example"]);

        Assert.Equal(3, plan.Routes.Count);
        Assert.Equal(new Downstream("mx.contoso.internal", 25, TlsPolicy.StartTls, new DownstreamCredentials("relay", "Downstreams:contoso:Password")), plan.Routes[0].Downstream);
        Assert.Equal(["a@contoso.example", "c@SALES.contoso.example"], plan.Routes[0].Recipients);
        Assert.Equal(["contoso.example", "sales.contoso.example"], plan.Routes[0].Domains.Select(d => d.Domain));
        Assert.Equal(("10.1.2.3", 2525, TlsPolicy.StartTlsWhenAvailable), (plan.Routes[1].Downstream.Host, plan.Routes[1].Downstream.Port, plan.Routes[1].Downstream.Tls));
        Assert.Equal(["b@fabrikam.example", "d@eu.fabrikam.example"], plan.Routes[1].Recipients);
        Assert.Equal(["f@xn--bcher-kva.example"], plan.Routes[2].Recipients);
        Assert.Equal(["e@evil.example"], plan.Unserved);
        Assert.False(policy.IsServed("eu.contoso.example"));
        Assert.True(policy.IsServed("bücher.example"));
        Assert.Equal(RecipientRejection.DomainNotServed, policy.CheckRecipient("x@[127.0.0.1]").Rejection);
    }

    [Fact]
    public void Domain_thresholds_override_the_set_action()
    {
        var policy = Parse(TwoCustomers);

        Assert.Equal(VerdictAction.Tag, policy.ActionFor("contoso.example", 12, VerdictAction.Quarantine));
        Assert.Equal(VerdictAction.Quarantine, policy.ActionFor("fabrikam.example", 12, VerdictAction.Quarantine));
        Assert.Equal(VerdictAction.Deliver, policy.ActionFor("unlisted.example", 12, VerdictAction.Deliver));
    }

    [Fact]
    public void Serialised_policy_parses_back_to_the_same_routes()
    {
        var policy = Parse(TwoCustomers);

        var again = DomainPolicy.Parse(policy.ToUtf8Json());

        Assert.Equal(policy.Domains, again.Domains);
    }

    [Theory]
    [InlineData("""{ "domains": [ { "domain": "a.example", "downstream": { "host": "h", "port": 25, "credentials": { "username": "u", "password": "hunter2" } } } ] }""", "password")]
    [InlineData("""{ "domains": [ { "domain": "a.example", "downstream": { "host": "h", "port": 70000 } } ] }""", "outside 1-65535")]
    [InlineData("""{ "domains": [ { "domain": "a.example" } ] }""", "no \"downstream\"")]
    [InlineData("""{ "domains": [ { "domain": "localhost", "downstream": { "host": "h", "port": 25 } } ] }""", "not a fully qualified")]
    [InlineData("""{ "domains": [ { "domain": "a.example", "downstream": { "host": "h", "port": 25, "tls": "Sometimes" } } ] }""", "line 1")]
    [InlineData("""{ "domains": [ { "domain": "a.example", "downstream": { "host": "h", "port": 25 }, "thresholds": { "tag": 9, "quarantine": 5 } } ] }""", "tag (9) <= quarantine (5)")]
    [InlineData("""{ "domains": [ { "domain": "a.example", "downstream": { "host": "h", "port": 25 }, "thresholds": { "tag": -5, "quarantine": -1 } } ] }""", "0 < tag (-5)")]
    [InlineData("""{ "domains": [ { "domain": "A.example", "downstream": { "host": "h", "port": 25 } }, { "domain": "a.EXAMPLE", "downstream": { "host": "h", "port": 25 } } ] }""", "listed twice")]
    [InlineData("[]", "line 1")]
    public void Malformed_documents_are_refused_with_the_reason(string json, string expected)
    {
        var error = Assert.Throws<DomainPolicyFormatException>(() => Parse(json));

        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void Passwords_come_from_configuration_by_name_and_a_missing_one_is_named()
    {
        var downstream = Parse(TwoCustomers).Domains[0].Downstream;
        var configured = new DownstreamSecrets(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Downstreams:contoso:Password"] = "s3cret" }).Build());
        var empty = new DownstreamSecrets(new ConfigurationBuilder().Build());

        Assert.Equal(("relay", "s3cret"), (configured.Resolve(downstream)!.UserName, configured.Resolve(downstream)!.Password));
        Assert.Null(configured.Resolve(Parse(TwoCustomers).Domains[2].Downstream));
        var error = Assert.Throws<KeyNotFoundException>(() => empty.Resolve(downstream));
        Assert.Contains("Downstreams:contoso:Password", error.Message);
    }
}

[Collection(PipelineCollection.Name)]
public sealed class DomainPolicyProviderTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task An_edited_policy_applies_after_the_refresh_interval_and_a_corrupt_one_keeps_the_last_good()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        var provider = bed.Services.GetRequiredService<DomainPolicyProvider>();
        var store = bed.Services.GetRequiredService<DomainPolicyStore>();

        Assert.Empty((await provider.GetAsync()).Domains);

        bed.PassRefreshInterval();
        var etag = await store.WriteAsync(new DomainPolicy([PipelineTestBed.Domain("contoso.example")]), null);
        Assert.True((await provider.GetAsync()).IsServed("contoso.example"));

        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Config).GetBlobClient(DomainPolicyStore.BlobName)
            .UploadAsync(BinaryData.FromString("{ \"domains\": [ { \"domain\": "), overwrite: true);
        bed.PassRefreshInterval();
        Assert.True((await provider.GetAsync()).IsServed("contoso.example"));
        Assert.Contains(bed.Logs.Entries, entry => entry.Level == Microsoft.Extensions.Logging.LogLevel.Error && entry.Exception is DomainPolicyFormatException);

        await Assert.ThrowsAsync<Azure.RequestFailedException>(() => store.WriteAsync(new DomainPolicy([]), etag));
    }

    [Fact]
    public async Task A_corrupt_policy_with_nothing_loaded_before_is_unavailable_not_empty()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await azurite.Blobs.GetBlobContainerClient(bed.Containers.Config).GetBlobClient(DomainPolicyStore.BlobName)
            .UploadAsync(BinaryData.FromString("not json"));

        await Assert.ThrowsAsync<DomainPolicyUnavailableException>(() => bed.Services.GetRequiredService<DomainPolicyProvider>().GetAsync().AsTask());
    }
}
