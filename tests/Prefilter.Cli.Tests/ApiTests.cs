using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Tests;

/// <summary>The patterns API as <c>prefilter up</c> serves it: bad inputs get a precise status and a problem body; rollback is idempotent.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class ApiTests(LocalStackFixture fixture)
{
    [Fact]
    public async Task A_missing_or_wrong_key_gets_401_and_changes_nothing()
    {
        using var missing = await fixture.Anonymous.PostAsync("api/patterns/rollback", null);
        await AssertProblemAsync(missing, HttpStatusCode.Unauthorized, "x-functions-key");

        using var wrong = await fixture.Anonymous.GetAsync("api/patterns?code=not-the-key");
        await AssertProblemAsync(wrong, HttpStatusCode.Unauthorized, "key");

        using var right = await fixture.Anonymous.GetAsync($"api/patterns?code={Uri.EscapeDataString(fixture.Stack.ApiKey)}");
        Assert.Equal(HttpStatusCode.OK, right.StatusCode);
    }

    [Fact]
    public async Task The_sink_api_refuses_a_bad_id_an_unknown_one_and_a_write_precisely()
    {
        using var notANumber = await fixture.Api.GetAsync("api/sink/messages/abc");
        Assert.Equal("abc", (await AssertProblemAsync(notANumber, HttpStatusCode.BadRequest, "not a message id")).GetProperty("id").GetString());

        using var unknown = await fixture.Api.GetAsync("api/sink/messages/987654");
        Assert.Equal(987654, (await AssertProblemAsync(unknown, HttpStatusCode.NotFound, "no message 987654")).GetProperty("id").GetInt64());

        using var write = await fixture.Api.DeleteAsync("api/sink/messages");
        await AssertProblemAsync(write, HttpStatusCode.MethodNotAllowed, "GET");
        Assert.Equal("GET", write.Content.Headers.Allow.Count > 0 ? string.Join(",", write.Content.Headers.Allow) : string.Join(",", write.Headers.GetValues("Allow")));

        using var anonymous = await fixture.Anonymous.GetAsync("api/sink/messages");
        await AssertProblemAsync(anonymous, HttpStatusCode.Unauthorized, "x-functions-key");
    }

    [Fact]
    public async Task Malformed_json_gets_400_with_where_it_broke()
    {
        using var response = await PublishAsync("{\n  \"name\": \"broken\",\n  \"version\": \n}");
        var problem = await AssertProblemAsync(response, HttpStatusCode.BadRequest, "");
        Assert.Equal(4, problem.GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task A_set_lint_refuses_gets_422_naming_rule_and_line()
    {
        var set = """
            {
              "name": "bad", "version": "bad-1", "created": "2026-11-28T00:00:00Z",
              "thresholds": { "tag": 5, "quarantine": 10 },
              "rules": [
                { "id": "BROKEN_REGEX", "kind": "body", "pattern": "(unclosed", "score": 1 }
              ]
            }
            """;
        using var response = await PublishAsync(set);
        var problem = await AssertProblemAsync(response, HttpStatusCode.UnprocessableEntity, "BROKEN_REGEX");
        var finding = Assert.Single(problem.GetProperty("findings").EnumerateArray());
        Assert.Equal("BROKEN_REGEX", finding.GetProperty("ruleId").GetString());
        Assert.Equal(5, finding.GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task A_publish_gets_202_at_once_and_its_status_url_reports_the_gate_refusal_from_the_queue()
    {
        var before = await StatusAsync();
        var (defaultSet, _) = LocalPatternSet.Load(null);
        var version = $"refused-{Guid.NewGuid():N}";
        using var response = await PublishAsync(defaultSet.Replace("\"local-default-1\"", $"\"{version}\"", StringComparison.Ordinal));

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var accepted = await LocalStackFixture.JsonAsync(response);
        var id = accepted.GetProperty("id").GetString();
        Assert.Equal(new Uri($"/api/patterns/releases/{id}", UriKind.Relative), response.Headers.Location);
        Assert.Equal(("queued", version), (accepted.GetProperty("status").GetString(), accepted.GetProperty("version").GetString()));
        Assert.Matches("^[0-9a-f]{64}$", accepted.GetProperty("digest").GetString());

        // The local queue poller runs the gate as RunReleaseGate does; the fixture's cost ceiling refuses every plain set.
        var release = await fixture.WaitForReleaseAsync(response.Headers.Location!);
        Assert.Equal("refused", release.GetProperty("status").GetString());
        var report = release.GetProperty("gateReport");
        Assert.False(report.GetProperty("passed").GetBoolean());
        Assert.Contains("p99 scan time", release.GetProperty("error").GetString(), StringComparison.Ordinal);

        // Stored with its report, serving nothing: the state is as before.
        var after = await StatusAsync();
        Assert.Contains(version, after.GetProperty("versions").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(before.GetProperty("eTag").GetString(), after.GetProperty("eTag").GetString());
        using var stored = await fixture.Api.GetAsync($"api/patterns/versions/{version}");
        Assert.Equal(HttpStatusCode.OK, stored.StatusCode);
        Assert.False((await LocalStackFixture.JsonAsync(stored)).GetProperty("gateReport").GetProperty("passed").GetBoolean());
    }

    [Theory]
    [InlineData("0123456789abcdef0123456789abcdef")]
    [InlineData("not-a-release")]
    public async Task An_unknown_release_is_404_with_problem_details(string id)
    {
        using var response = await fixture.Api.GetAsync($"api/patterns/releases/{id}");
        var problem = await AssertProblemAsync(response, HttpStatusCode.NotFound, id);
        Assert.Equal(id, problem.GetProperty("releaseId").GetString());
    }

    [Fact]
    public async Task An_unknown_version_gets_404()
    {
        using var version = await fixture.Api.GetAsync("api/patterns/versions/no-such-version");
        var problem = await AssertProblemAsync(version, HttpStatusCode.NotFound, "no-such-version");
        Assert.Equal("no-such-version", problem.GetProperty("version").GetString());

        using var rollback = await PostJsonAsync("api/patterns/rollback", """{ "to": "no-such-version", "reason": "test" }""");
        await AssertProblemAsync(rollback, HttpStatusCode.NotFound, "no-such-version");
    }

    [Fact]
    public async Task An_oversized_body_gets_413_with_the_limit()
    {
        using var set = await PublishAsync(new string(' ', LocalStackFixture.MaxSetBytes + 1));
        var problem = await AssertProblemAsync(set, HttpStatusCode.RequestEntityTooLarge, "Release:MaxSetBytes");
        Assert.Equal(LocalStackFixture.MaxSetBytes, problem.GetProperty("limitBytes").GetInt32());

        using var command = await PostJsonAsync("api/patterns/rollback", $$"""{ "reason": "{{new string('x', LocalStackFixture.MaxCommandBytes)}}" }""");
        await AssertProblemAsync(command, HttpStatusCode.RequestEntityTooLarge, "Api:MaxCommandBytes");
    }

    [Fact]
    public async Task A_wrong_method_gets_405_with_Allow()
    {
        using var response = await fixture.Api.DeleteAsync("api/patterns/rollback");
        await AssertProblemAsync(response, HttpStatusCode.MethodNotAllowed, "POST");
        Assert.Equal("POST", response.Content.Headers.Allow.Count > 0 ? string.Join(",", response.Content.Headers.Allow) : string.Join(",", response.Headers.GetValues("Allow")));
    }

    [Fact]
    public async Task Rollback_stops_a_canary_and_repeating_it_changes_nothing()
    {
        var active = (await StatusAsync()).GetProperty("state").GetProperty("active").GetProperty("version").GetString()!;
        var (defaultSet, _) = LocalPatternSet.Load(null);
        var candidate = defaultSet.Replace("\"local-default-1\"", $"\"canary-{Guid.NewGuid():N}\"", StringComparison.Ordinal)
            .Replace("\"score\": 2 }", "\"score\": 3 }", StringComparison.Ordinal);

        // Forced so the test does not depend on the gate's timing on a busy machine; the override is audited.
        using (var published = await PublishAsync(candidate, "?force=true&reason=api%20test"))
        {
            Assert.Equal(HttpStatusCode.Accepted, published.StatusCode);
            var release = await fixture.WaitForReleaseAsync(published.Headers.Location!);
            Assert.Equal(("canary", true), (release.GetProperty("status").GetString(), release.GetProperty("forced").GetBoolean()));
        }

        var body = $$"""{ "to": "{{active}}", "reason": "api test" }""";
        using (var first = await PostJsonAsync("api/patterns/rollback", body))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            var result = await LocalStackFixture.JsonAsync(first);
            Assert.Equal("rolledBack", result.GetProperty("outcome").GetString());
            Assert.Equal(active, result.GetProperty("active").GetProperty("version").GetString());
            Assert.NotEqual(JsonValueKind.Null, result.GetProperty("cancelledCanary").ValueKind);
        }

        var afterFirst = await StatusAsync();
        using (var second = await PostJsonAsync("api/patterns/rollback", body))
        {
            Assert.Equal(HttpStatusCode.OK, second.StatusCode);
            Assert.Equal("alreadyThere", (await LocalStackFixture.JsonAsync(second)).GetProperty("outcome").GetString());
        }

        var afterSecond = await StatusAsync();
        Assert.Equal(afterFirst.GetProperty("eTag").GetString(), afterSecond.GetProperty("eTag").GetString());
        Assert.Equal(JsonValueKind.Null, afterSecond.GetProperty("state").GetProperty("canary").ValueKind);
        Assert.Equal(active, afterSecond.GetProperty("state").GetProperty("active").GetProperty("version").GetString());
    }

    private async Task<JsonElement> StatusAsync()
    {
        using var response = await fixture.Api.GetAsync("api/patterns");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await LocalStackFixture.JsonAsync(response);
    }

    private Task<HttpResponseMessage> PublishAsync(string json, string query = "") =>
        PostJsonAsync("api/patterns" + query, json);

    private async Task<HttpResponseMessage> PostJsonAsync(string path, string json)
    {
        using var content = new StringContent(json, Encoding.UTF8, new MediaTypeHeaderValue("application/json"));
        return await fixture.Api.PostAsync(path, content);
    }

    [Theory]
    [InlineData("bad header", 400, "not valid HTTP/1.1")]
    [InlineData("long target", 414, "request line is longer")]
    [InlineData("many headers", 431, "header fields are over")]
    public async Task Requests_Kestrel_refuses_while_parsing_get_problem_details(string kind, int status, string detailContains)
    {
        var request = kind switch
        {
            "bad header" => "GET /api/patterns HTTP/1.1\r\nHost: 127.0.0.1\r\nthis line has no colon\r\n\r\n",
            "long target" => $"GET /api/{new string('a', 20_000)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n",
            _ => $"GET /api/patterns HTTP/1.1\r\nHost: 127.0.0.1\r\n{string.Concat(Enumerable.Range(0, 200).Select(i => $"X-Field-{i}: {i}\r\n"))}\r\n",
        };

        using var client = new System.Net.Sockets.TcpClient();
        await client.ConnectAsync(fixture.Stack.ApiUrl.Host, fixture.Stack.ApiUrl.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request));
        using var answer = new MemoryStream();
        await stream.CopyToAsync(answer);

        // Read as raw bytes: the framing (Content-Length against the body actually sent) is part of what is checked.
        var text = Encoding.UTF8.GetString(answer.ToArray());
        var split = text.IndexOf("\r\n\r\n", StringComparison.Ordinal);
        Assert.True(split > 0, text);
        var head = text[..split].Split("\r\n");
        var body = text[(split + 4)..];
        Assert.StartsWith($"HTTP/1.1 {status} ", head[0], StringComparison.Ordinal);
        Assert.Contains("Content-Type: application/problem+json; charset=utf-8", head);
        Assert.Contains($"Content-Length: {Encoding.UTF8.GetByteCount(body)}", head);
        using var problem = JsonDocument.Parse(body);
        Assert.Equal(status, problem.RootElement.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("title").GetString()));
        Assert.Contains(detailContains, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static async Task<JsonElement> AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await LocalStackFixture.JsonAsync(response);
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        return problem;
    }
}
