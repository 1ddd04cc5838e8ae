using System.Text;
using System.Text.Json;
using CsCheck;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Prefilter.Pipeline.Api;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Ingest;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Api;

/// <summary>
/// Property-based fuzzing (CsCheck) of the API's request parsing: requests made of methods, paths, query parameters,
/// headers and bodies (mutated sets and command bodies, bytes that are not UTF-8, nesting past the JSON reader's depth)
/// go through <see cref="ApiRequest.Create"/> to the real handlers on Azurite, in containers of their own. Every answer
/// must be a result or problem details whose status is one the API documents, never an exception or a 500. Drawn from
/// a fixed seed (<c>PREFILTER_FUZZ_SEED</c> explores elsewhere); 100 requests in the test run, a tenth of
/// <c>PREFILTER_FUZZ_ITERATIONS</c> in <c>.ci/run</c>'s fuzzing run (each request is a few storage round-trips).
/// </summary>
[Collection(PipelineCollection.Name)]
[Trait("Category", "Fuzz")]
public sealed class ApiFuzzTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    private static readonly int Iterations =
        int.TryParse(Environment.GetEnvironmentVariable("PREFILTER_FUZZ_ITERATIONS"), out var configured) && configured > 0 ? configured / 10 : 100;

    private static readonly ulong Seed =
        ulong.TryParse(Environment.GetEnvironmentVariable("PREFILTER_FUZZ_SEED"), out var seed) ? seed : 20261207;

    private static readonly int[] Documented = [200, 201, 202, 400, 403, 404, 405, 409, 413, 422, 503];

    private static readonly string[] Methods = ["GET", "POST", "post", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "", "P\0ST", "GET POST"];

    private static readonly string[] Paths =
    [
        "patterns", "/api/patterns/", "api/patterns", "patterns/rollback", "patterns/watchdog", "patterns/rules/disable",
        "patterns/versions/v1", "patterns/versions/", "patterns/versions/../state.json", "patterns/versions/%00",
        "patterns/versions/" + new string('v', 2000), "mail", "/api/mail", "api", "", "/", "patterns//rollback",
        "PATTERNS", "patterns/rollback/", "patterns/versions/\u00e9\ud83d\ude00", "mail/../patterns",
    ];

    private static readonly string[] QueryNames = ["force", "reason", "to", "from", "code", "FORCE", "", "x"];

    private static readonly string[] Values =
    [
        "true", "false", "TRUE", "yes", "1", "", " ", "\0", "user@served.example", "a@b", "<>", "user%evil@served.example",
        "\"a b\"@served.example", "@a,@b:c@served.example", "user@unserved.example", "v1", "../v1", new string('x', 5000),
        "\u00e9@served.example", "a@served.example,b@served.example", "\r\nX-Injected: 1",
    ];

    private const string SetJson = """
        {
          "name": "fuzz", "version": "v1", "created": "2026-12-07T00:00:00Z",
          "thresholds": { "tag": 5, "quarantine": 10 },
          "rules": [
            { "id": "SUBJ", "kind": "header", "header": "Subject", "pattern": "(?i)win", "score": 3 },
            { "id": "PILLS", "kind": "body", "pattern": "(?i)cheap\\s+pills", "score": 4 },
            { "id": "BOTH", "kind": "meta", "expression": "SUBJ && PILLS", "score": 3 }
          ]
        }
        """;

    private static readonly string[] BodySeeds =
    [
        SetJson, """{ "to": "v1", "reason": "fuzz" }""", """{ "rules": ["SUBJ"], "reason": "fuzz" }""", "", "null", "[]", "{}",
        "Subject: hello\r\n\r\nbody\r\n", "From: a@b.example\r\nSubject: x\r\n\r\ncheap pills\r\n",
    ];

    private static readonly string[] BodyTokens =
    [
        "{", "}", "[", "]", "\"", ",", ":", "null", "1e309", "-1", "\\u0000", "\"to\": 5", "\"rules\": [null]", "\"rules\": \"x\"",
        "\"thresholds\": { \"tag\": -1 }", "\"kind\": \"meta\"", "(?<=a+)", "\r\n", "\0", "\u00e9", new string('[', 100),
    ];

    [Fact]
    public async Task Every_request_gets_a_documented_status_with_a_result_or_problem_details()
    {
        var containers = azurite.NewContainers();
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:connectionString"] = azurite.ConnectionString,
            ["Storage:containerPrefix"] = containers.Prefix,
            ["ServiceBus"] = broker.ConnectionString,
            ["ServiceBus:deliverQueue"] = broker.NewDeliverQueue(),
            ["Release:maxSetBytes"] = "4096",
            ["Api:maxCommandBytes"] = "1024",
            ["Ingest:maxMailBytes"] = "4096",
        }).Build();
        await using var services = new ServiceCollection()
            .AddSingleton(TimeProvider.System)
            .AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning))
            .AddPrefilterApi(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        services.GetRequiredService<IStartupValidator>().Validate();
        await azurite.CreateContainersAsync(containers);
        try
        {
            await services.GetRequiredService<DomainPolicyStore>().WriteAsync(new DomainPolicy([PipelineTestBed.Domain("served.example")]), null);
            var patterns = services.GetRequiredService<PatternsApi>();
            var mail = services.GetRequiredService<MailApi>();

            var random = new PCG(1, Seed);
            for (var i = 0; i < Iterations; i++)
            {
                var input = Requests.Generate(random, null!, out _);
                try
                {
                    await AssertAnswerAsync(input, patterns, mail);
                }
                catch (Exception exception)
                {
                    throw new InvalidOperationException($"request {i} of seed {Seed} fails: {input}", exception);
                }
            }
        }
        finally
        {
            await azurite.DeleteContainersAsync(containers);
        }
    }

    private static async Task AssertAnswerAsync(FuzzRequest input, PatternsApi patterns, MailApi mail)
    {
        using var body = new MemoryStream(input.Body);
        var request = ApiRequest.Create(
            input.Method,
            input.Path,
            input.Query.Select(pair => KeyValuePair.Create(pair.Name, new StringValues(pair.Value))),
            input.Headers.Select(pair => KeyValuePair.Create(pair.Name, new StringValues(pair.Value))),
            body,
            input.DeclaresLength ? input.Body.Length : null);

        // The routing of the hosts (LocalApiServer, the Functions app's HTTP functions).
        var response = request.Path == MailApi.Route ? await mail.HandleAsync(request)
            : request.Path == PatternsApi.Route || request.Path.StartsWith(PatternsApi.Route + "/", StringComparison.Ordinal) ? await patterns.HandleAsync(request)
            : ApiResponse.UnknownRoute(request.Path);

        Assert.Contains(response.StatusCode, Documented);
        using var json = JsonDocument.Parse(response.Body);
        if (response.StatusCode >= 400)
        {
            Assert.Equal(ApiResponse.ProblemContentType, response.ContentType);
            Assert.Equal(response.StatusCode, json.RootElement.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("title").GetString()));
            Assert.False(string.IsNullOrWhiteSpace(json.RootElement.GetProperty("detail").GetString()));
        }
        else
        {
            Assert.Equal(ApiResponse.JsonContentType, response.ContentType);
        }
    }

    private static readonly Gen<(string Name, string Value)> Pair =
        Gen.Select(Gen.OneOf(QueryNames), Gen.OneOf(Values), (name, value) => (name, value));

    private static readonly Gen<FuzzRequest> Requests = Gen.Select(
        Gen.OneOf(Methods),
        Gen.OneOf(Paths),
        Pair.Array[0, 4],
        Gen.Select(Gen.OneOf(ApiRequest.ActorHeader, HttpIngest.SenderHeader, HttpIngest.RecipientsHeader, "Content-Type"), Gen.OneOf(Values), (name, value) => (name, value)).Array[0, 3],
        Gen.Select(Gen.Int[0, BodySeeds.Length - 1], Gen.Select(Gen.Int[0, 3], Gen.Int[0, int.MaxValue], Gen.Int[0, int.MaxValue]).Array[0, 4], (seed, edits) =>
            edits.Aggregate(Encoding.UTF8.GetBytes(BodySeeds[seed]), (bytes, edit) => Edit(bytes, edit.Item1, edit.Item2, edit.Item3))),
        Gen.Bool,
        (method, path, query, headers, body, declaresLength) => new FuzzRequest(method, path, DistinctNames(query), DistinctNames(headers), body, declaresLength));

    // Hosts hand over each name once (repeated values joined); the fuzz keeps the first of a name.
    private static (string Name, string Value)[] DistinctNames((string Name, string Value)[] pairs) =>
        [.. pairs.DistinctBy(pair => pair.Name, StringComparer.OrdinalIgnoreCase)];

    // Edits: insert a token, delete a range, flip a byte to one that is not UTF-8 on its own, repeat a range.
    private static byte[] Edit(byte[] bytes, int kind, int a, int b)
    {
        var list = new List<byte>(bytes);
        var at = list.Count == 0 ? 0 : a % (list.Count + 1);
        switch (kind)
        {
            case 0:
                list.InsertRange(at, Encoding.UTF8.GetBytes(BodyTokens[b % BodyTokens.Length]));
                break;
            case 1 when list.Count > 0:
                list.RemoveRange(Math.Min(at, list.Count - 1), Math.Min(b % 16 + 1, list.Count - Math.Min(at, list.Count - 1)));
                break;
            case 2 when list.Count > 0:
                list[Math.Min(at, list.Count - 1)] = (byte)(0x80 | (b & 0x7f));
                break;
            case 3 when list.Count > 0:
                var start = Math.Min(at, list.Count - 1);
                var range = list.GetRange(start, Math.Min(b % 8 + 1, list.Count - start));
                for (var i = 0; i < 50; i++)
                {
                    list.InsertRange(start, range);
                }

                break;
        }

        return [.. list];
    }

    private sealed record FuzzRequest(string Method, string Path, (string Name, string Value)[] Query, (string Name, string Value)[] Headers, byte[] Body, bool DeclaresLength)
    {
        public override string ToString() =>
            $"{Method} {Path} query [{string.Join("&", Query.Select(pair => $"{pair.Name}={pair.Value}"))}] headers [{string.Join("; ", Headers.Select(pair => $"{pair.Name}: {pair.Value}"))}] body {Convert.ToBase64String(Body)}";
    }
}
