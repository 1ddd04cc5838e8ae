using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Azure.Messaging.ServiceBus;

namespace Prefilter.Cli.Tests;

/// <summary><c>GET /api/status</c> as <c>prefilter up</c> serves it: the page, its figures, and precise refusals.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class StatusApiTests(LocalStackFixture fixture)
{
    [Fact]
    public async Task The_page_is_one_html_document_that_loads_nothing_from_elsewhere()
    {
        using var response = await fixture.Api.GetAsync("api/status");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var policy = string.Join(" ", response.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", policy, StringComparison.Ordinal);
        Assert.Contains("connect-src 'self'", policy, StringComparison.Ordinal);
        Assert.Equal("no-referrer", string.Join("", response.Headers.GetValues("Referrer-Policy")));

        var html = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("/*SCRIPT*/", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
        Assert.DoesNotContain("href=\"http", html, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_figures_count_the_mail_and_name_the_active_version()
    {
        var (raw, _) = LocalStackFixture.Ham();
        using (var posted = await fixture.PostMailAsync(raw, "user@example.com"))
        {
            Assert.Equal(HttpStatusCode.Accepted, posted.StatusCode);
        }

        await fixture.WaitForCountsAsync(counts => counts.InFlight == 0 && counts.Received > 0);
        using var state = await fixture.Api.GetAsync("api/patterns");
        var active = (await LocalStackFixture.JsonAsync(state)).GetProperty("state").GetProperty("active");

        var report = await FiguresAsync("?hours=1");
        var mail = report.GetProperty("mail");
        Assert.True(mail.GetProperty("received").GetInt32() > 0);
        Assert.Equal(mail.GetProperty("received").GetInt32(), mail.GetProperty("delivered").GetInt32() + mail.GetProperty("quarantined").GetInt32() + mail.GetProperty("deadLettered").GetInt32() + mail.GetProperty("inFlight").GetInt32());
        var first = report.GetProperty("versions").EnumerateArray().First();
        Assert.Equal("active", first.GetProperty("role").GetString());
        Assert.Equal(active.GetProperty("version").GetString(), first.GetProperty("version").GetString());
        Assert.Equal(active.GetProperty("digest").GetString(), first.GetProperty("digest").GetString());
        Assert.True(report.GetProperty("deadLetters").GetProperty("depth").GetInt32() >= 0);
    }

    [Fact]
    public async Task The_newest_dead_letter_is_shown_with_its_reason()
    {
        // A delivery message that is no claim check: the delivery processor dead-letters it at once, with a reason.
        var messageId = $"not-a-claim-check-{Guid.NewGuid():N}";
        await using (var client = new ServiceBusClient(fixture.Stack.Broker.ConnectionString))
        await using (var sender = client.CreateSender(Prefilter.Pipeline.Messaging.ServiceBusOptions.DefaultDeliverQueue))
        {
            await sender.SendMessageAsync(new ServiceBusMessage("{ \"no\": \"blob\" }") { MessageId = messageId });
        }

        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (true)
        {
            var deadLetters = (await FiguresAsync("")).GetProperty("deadLetters");
            var newest = deadLetters.GetProperty("newest").EnumerateArray().FirstOrDefault();
            if (newest.ValueKind == JsonValueKind.Object && newest.GetProperty("messageId").GetString() == messageId)
            {
                Assert.Equal("InvalidClaimCheck", newest.GetProperty("reason").GetString());
                Assert.False(string.IsNullOrEmpty(newest.GetProperty("description").GetString()));
                Assert.True(deadLetters.GetProperty("depth").GetInt32() >= 1);
                return;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token);
        }
    }

    [Theory]
    [InlineData("?hours=0")]
    [InlineData("?hours=49")]
    [InlineData("?hours=six")]
    public async Task A_range_out_of_bounds_gets_400(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/status" + query) { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/json") } } };
        using var response = await fixture.Api.SendAsync(request);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("'hours'", (await LocalStackFixture.JsonAsync(response)).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Another_method_gets_405_and_no_key_gets_401()
    {
        using var post = await fixture.Api.PostAsync("api/status", null);
        Assert.Equal(HttpStatusCode.MethodNotAllowed, post.StatusCode);
        Assert.Equal("GET", string.Join("", post.Content.Headers.Allow));

        using var anonymous = await fixture.Anonymous.GetAsync("api/status");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    private async Task<JsonElement> FiguresAsync(string query)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/status" + query) { Headers = { Accept = { new MediaTypeWithQualityHeaderValue("application/json") } } };
        using var response = await fixture.Api.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await LocalStackFixture.JsonAsync(response);
    }
}
