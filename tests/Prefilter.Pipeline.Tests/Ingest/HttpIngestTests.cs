using System.Text;
using Prefilter.Pipeline.Api;
using Prefilter.Pipeline.Ingest;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Telemetry;
using Prefilter.Pipeline.Tests.Fixtures;
using Prefilter.Pipeline.Tests.Telemetry;

namespace Prefilter.Pipeline.Tests.Ingest;

[Collection(PipelineCollection.Name)]
public sealed class HttpIngestTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    private static MemoryStream Body(string text) => new(Encoding.UTF8.GetBytes(text));

    [Fact]
    public async Task Mail_for_served_domains_is_stored_with_its_envelope()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        var envelope = HttpIngest.ParseEnvelope("<bob@fabrikam.example>", ["alice@contoso.example, carol@CONTOSO.example", "bcc@contoso.example"]);

        var stored = await bed.Ingest.IngestAsync(Body(TestData.Mail("hi")), envelope);

        var read = await bed.Mails.DownloadAsync(stored.Name);
        Assert.Equal(["alice@contoso.example", "carol@CONTOSO.example", "bcc@contoso.example"], read.Envelope.Recipients);
        Assert.Equal("bob@fabrikam.example", read.Envelope.MailFrom);
        Assert.Equal(HttpIngest.IngressName, read.Info.Metadata[MailMetadata.Ingress]);
    }

    [Fact]
    public async Task The_mail_api_counts_accepted_mail_and_refusals_by_reason()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        var api = new MailApi(bed.Ingest);
        using var metrics = new MetricRecorder();

        Assert.Equal(202, (await api.HandleAsync(Post("alice@contoso.example", TestData.Mail("hi")))).StatusCode);
        Assert.Equal(403, (await api.HandleAsync(Post("victim@elsewhere.example", TestData.Mail("relay me")))).StatusCode);
        Assert.Equal(400, (await api.HandleAsync(Post("alice@contoso.example", "no header here"))).StatusCode);

        Assert.Equal(["http"], metrics.Of(PipelineMetrics.IngressAcceptedName).Select(accepted => accepted.Tags["prefilter.ingress.door"]));
        Assert.Equal(["relay-denied", "not-a-message"], metrics.Of(PipelineMetrics.IngressRefusedName).Select(refusal => refusal.Tags["prefilter.ingress.reason"]));

        static ApiRequest Post(string to, string mail) => new(
            "POST",
            MailApi.Route,
            new Dictionary<string, IReadOnlyList<string>> { [HttpIngest.SenderParameter] = ["bob@fabrikam.example"], [HttpIngest.RecipientsParameter] = [to] },
            new Dictionary<string, string>(),
            Body(mail),
            null);
    }

    [Fact]
    public async Task A_recipient_of_an_unlisted_domain_refuses_the_request_and_stores_nothing()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        var envelope = HttpIngest.ParseEnvelope("bob@fabrikam.example", ["alice@contoso.example", "victim@elsewhere.example"]);

        var refused = await Assert.ThrowsAsync<IngestRefusedException>(() => bed.Ingest.IngestAsync(Body(TestData.Mail("relay me")), envelope));

        Assert.Equal((IngestRefusal.RelayDenied, 403), (refused.Refusal, refused.StatusCode));
        Assert.Equal(["victim@elsewhere.example"], refused.Recipients);
        Assert.Contains("victim@elsewhere.example", refused.Message);
        Assert.False(await bed.Mails.ListAsync("").GetAsyncEnumerator().MoveNextAsync());
    }

    [Fact]
    public async Task Oversized_and_empty_bodies_are_refused_before_anything_is_stored()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker, new Dictionary<string, string?> { ["Ingest:maxMailBytes"] = "2048" });
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        var envelope = HttpIngest.ParseEnvelope("", ["alice@contoso.example"]);

        var declared = await Assert.ThrowsAsync<IngestRefusedException>(() => bed.Ingest.IngestAsync(Body("x"), envelope, declaredLength: 5000));
        var streamed = await Assert.ThrowsAsync<IngestRefusedException>(() => bed.Ingest.IngestAsync(Body(TestData.Mail(new string('x', 3000))), envelope));
        var empty = await Assert.ThrowsAsync<IngestRefusedException>(() => bed.Ingest.IngestAsync(Body(""), envelope));

        Assert.Equal((413, 413, 400), (declared.StatusCode, streamed.StatusCode, empty.StatusCode));
        Assert.Contains("2048", streamed.Message);
        Assert.False(await bed.Mails.ListAsync("").GetAsyncEnumerator().MoveNextAsync());
    }

    [Theory]
    [InlineData("bob@fabrikam.example", new string[0])]
    [InlineData("bob@fabrikam.example", new[] { "not-an-address" })]
    [InlineData("bob@fab rikam.example", new[] { "alice@contoso.example" })]
    public void A_malformed_envelope_is_a_bad_request(string from, string[] to)
    {
        var refused = Assert.Throws<IngestRefusedException>(() => HttpIngest.ParseEnvelope(from, to));

        Assert.Equal(400, refused.StatusCode);
    }
}
