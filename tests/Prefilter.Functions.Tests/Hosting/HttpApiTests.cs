using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Prefilter.Engine.PatternSets;
using Azure.Storage.Blobs;
using Microsoft.Extensions.DependencyInjection;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Functions.Tests.Hosting;

/// <summary>
/// The HTTP functions through the ASP.NET Core integration, as in Azure: the stand-in forwards each request to the
/// worker's own listener with the invocation id, invokes the function, and returns what the worker's handler wrote.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class HttpApiTests(FunctionsHostFixture fixture)
{
    [Fact]
    public async Task A_mail_posted_to_the_api_is_accepted_with_its_blob_name_and_then_delivered()
    {
        var recipient = FunctionsHostFixture.NewRecipient();
        using var request = Post($"/api/mail?from=sender@fabrikam.example&to={recipient}", FunctionsHostFixture.Mail(recipient, "Posted over HTTP."), "message/rfc822");

        using var response = await fixture.Host.SendAsync(request);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var blob = (await ReadJsonAsync(response)).GetProperty("blob").GetString()!;
        Assert.Single(await fixture.Host.DeliverBlobCreatedAsync(PipelineContainers.IncomingName, blob), outcome => outcome.Succeeded);
        Assert.Equal([recipient], (await fixture.WaitForDeliveryAsync(recipient)).Recipients);
    }

    [Fact]
    public async Task A_mail_for_a_domain_not_served_is_refused_with_problem_details_and_not_stored()
    {
        using var request = Post("/api/mail?from=sender@fabrikam.example&to=someone@elsewhere.example", FunctionsHostFixture.Mail("someone@elsewhere.example", "Relay me."), "message/rfc822");

        using var response = await fixture.Host.SendAsync(request);

        var problem = await ReadProblemAsync(response, HttpStatusCode.Forbidden);
        Assert.Equal("relayDenied", problem.GetProperty("refusal").GetString());
        Assert.Equal(["someone@elsewhere.example"], problem.GetProperty("recipients").EnumerateArray().Select(item => item.GetString()));
    }

    [Fact]
    public async Task A_pattern_set_that_is_not_JSON_is_refused_with_the_line()
    {
        using var request = Post("/api/patterns", BinaryData.FromString("{\n  \"name\": \"broken\",\n  \"rules\": [\n"), "application/json");

        using var response = await fixture.Host.SendAsync(request);

        var problem = await ReadProblemAsync(response, HttpStatusCode.BadRequest);
        Assert.True(problem.GetProperty("line").GetInt64() >= 3, problem.ToString());
    }

    [Fact]
    public async Task A_wrong_method_gets_405_with_the_allowed_methods()
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, "/api/patterns/rollback");

        using var response = await fixture.Host.SendAsync(request);

        await ReadProblemAsync(response, HttpStatusCode.MethodNotAllowed);
        Assert.Equal(["POST"], response.Content.Headers.Allow.Concat(response.Headers.TryGetValues("Allow", out var allow) ? allow : []).Distinct());
    }

    [Fact]
    public async Task A_published_set_serves_as_canary_and_one_rollback_call_stops_it()
    {
        // The same rules under a new version, so mail scanned by the canary meanwhile gets the same verdicts. Forced:
        // the gate's cost comparison on this busy machine is not what this test is about (it can refuse the same
        // rules measured cold against the warm active set).
        var active = fixture.ActiveSet;
        var candidate = PatternSetJson.Serialize(active with { Version = $"canary-{Guid.NewGuid():N}" });

        using var publish = await fixture.Host.SendAsync(Post("/api/patterns?force=true&reason=http%20path%20test", BinaryData.FromString(candidate), "application/json"));
        var published = await ReadJsonAsync(publish);
        Assert.True(publish.StatusCode == HttpStatusCode.Accepted, published.ToString());
        Assert.Equal("queued", published.GetProperty("status").GetString());
        var location = publish.Headers.Location!;
        Assert.Equal($"/api/patterns/releases/{published.GetProperty("id").GetString()}", location.OriginalString);
        Assert.Equal("queued", (await ReadJsonAsync(await fixture.Host.SendAsync(new HttpRequestMessage(HttpMethod.Get, location)))).GetProperty("status").GetString());

        // The gate runs in the worker, from the message on Azurite's release-gate queue, as the queue extension delivers it.
        var gateRuns = await fixture.Host.DeliverQueueMessagesAsync("RunReleaseGate");
        Assert.True(gateRuns.Count == 1 && gateRuns[0].Succeeded, string.Join("; ", gateRuns.Select(run => run.Error)));
        using var status = await fixture.Host.SendAsync(new HttpRequestMessage(HttpMethod.Get, location));
        var release = await ReadJsonAsync(status);
        Assert.Equal(("canary", true, 1L), (release.GetProperty("status").GetString(), release.GetProperty("force").GetBoolean(), release.GetProperty("attempts").GetInt64()));

        using var rollback = await fixture.Host.SendAsync(Post("/api/patterns/rollback", BinaryData.FromString("""{ "reason": "drill through the worker" }"""), "application/json"));
        var rolledBack = await ReadJsonAsync(rollback);
        Assert.True(rollback.StatusCode == HttpStatusCode.OK, rolledBack.ToString());
        Assert.Equal("rolledBack", rolledBack.GetProperty("outcome").GetString());
        Assert.Equal(active.Version, rolledBack.GetProperty("active").GetProperty("version").GetString());
        Assert.Equal(published.GetProperty("version").GetString(), rolledBack.GetProperty("cancelledCanary").GetProperty("set").GetProperty("version").GetString());
    }

    [Fact]
    public async Task A_release_whose_gate_throws_ends_failed_with_the_reason_and_is_not_delivered_again()
    {
        var version = $"tampered-{Guid.NewGuid():N}";
        using var publish = await fixture.Host.SendAsync(Post("/api/patterns", BinaryData.FromString(PatternSetJson.Serialize(fixture.ActiveSet with { Version = version })), "application/json"));
        Assert.Equal(HttpStatusCode.Accepted, publish.StatusCode);

        // The stored version no longer matches the digest the publish recorded: no attempt can ever gate it.
        var patterns = fixture.Pipeline.GetRequiredService<BlobServiceClient>().GetBlobContainerClient(fixture.Pipeline.GetRequiredService<PipelineContainers>().Patterns);
        await patterns.GetBlobClient(PatternStore.SetBlobName(version)).UploadAsync(
            BinaryData.FromString(PatternSetJson.Serialize(fixture.ActiveSet with { Version = version, Thresholds = new Thresholds(6, 12) })), overwrite: true);

        var runs = await fixture.Host.DeliverQueueMessagesAsync("RunReleaseGate");
        var again = await fixture.Host.DeliverQueueMessagesAsync("RunReleaseGate");

        Assert.True(runs.Count == 1 && runs[0].Succeeded, string.Join("; ", runs.Select(run => run.Error)));
        Assert.Empty(again);
        var release = await ReadJsonAsync(await fixture.Host.SendAsync(new HttpRequestMessage(HttpMethod.Get, publish.Headers.Location)));
        Assert.Equal("failed", release.GetProperty("status").GetString());
        Assert.Contains("PatternSetDigestMismatchException", release.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_release_is_404_with_problem_details()
    {
        using var response = await fixture.Host.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/patterns/releases/0123456789abcdef0123456789abcdef"));

        Assert.Equal("0123456789abcdef0123456789abcdef", (await ReadProblemAsync(response, HttpStatusCode.NotFound)).GetProperty("releaseId").GetString());
    }

    [Fact]
    public async Task A_rollback_to_a_version_never_stored_is_404_with_the_version()
    {
        using var request = Post("/api/patterns/rollback", BinaryData.FromString("""{ "to": "no-such-version", "reason": "drill" }"""), "application/json");

        using var response = await fixture.Host.SendAsync(request);

        Assert.Equal("no-such-version", (await ReadProblemAsync(response, HttpStatusCode.NotFound)).GetProperty("version").GetString());
    }

    private static HttpRequestMessage Post(string pathAndQuery, BinaryData body, string contentType) =>
        new(HttpMethod.Post, pathAndQuery)
        {
            Content = new ByteArrayContent(body.ToArray()) { Headers = { ContentType = new MediaTypeHeaderValue(contentType) } },
        };

    private static async Task<JsonElement> ReadJsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True("application/json" == response.Content.Headers.ContentType?.MediaType, $"{(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static async Task<JsonElement> ReadProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
        return problem;
    }
}
