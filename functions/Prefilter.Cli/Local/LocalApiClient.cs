using System.CommandLine;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Prefilter.Pipeline.Api;

namespace Prefilter.Cli.Local;

/// <summary>
/// Calls the HTTP API as an operator's curl would: the running <c>prefilter up</c> by default, any Functions app with
/// <c>--api</c> and <c>--key</c>. The key comes from <c>--key</c>, else <c>PREFILTER_API_KEY</c>, else the file
/// <c>prefilter up</c> writes.
/// </summary>
internal sealed class LocalApiClient : IDisposable
{
    /// <summary>The environment variable with the API key.</summary>
    public const string KeyVariable = "PREFILTER_API_KEY";

    private readonly HttpClient http;

    private LocalApiClient(Uri baseUrl, string? key)
    {
        http = new HttpClient { BaseAddress = baseUrl, Timeout = TimeSpan.FromMinutes(10) };
        if (key is not null)
        {
            http.DefaultRequestHeaders.Add(LocalApiKey.HeaderName, key);
        }

        http.DefaultRequestHeaders.Add(ApiRequest.ActorHeader, $"cli:{Environment.UserName}");
    }

    /// <summary>The <c>--api</c> option.</summary>
    public static Option<string?> CreateUrlOption() =>
        new("--api") { Description = $"Base URL of the API (default: the running 'prefilter up', else http://127.0.0.1:{LocalStackOptions.DefaultApiPort})" };

    /// <summary>The <c>--key</c> option.</summary>
    public static Option<string?> CreateKeyOption() =>
        new("--key") { Description = $"Function key (default: ${KeyVariable}, else the key 'prefilter up' wrote to infra/local/.prefilter/up.json)" };

    /// <summary>A client for the URL and key the options, the environment or the running <c>prefilter up</c> give.</summary>
    public static LocalApiClient Create(string? url, string? key)
    {
        var local = LocalState.TryRead();
        var baseUrl = url ?? local?.ApiUrl ?? $"http://127.0.0.1:{LocalStackOptions.DefaultApiPort}";
        if (!Uri.TryCreate(baseUrl.TrimEnd('/') + "/", UriKind.Absolute, out var uri))
        {
            throw new CommandException(ExitCodes.Usage, $"--api: '{baseUrl}' is not an absolute URL");
        }

        return new LocalApiClient(uri, key ?? Environment.GetEnvironmentVariable(KeyVariable) ?? local?.ApiKey);
    }

    /// <summary>Sends a request to <c>api/{path}</c>; prints the JSON answer to stdout (errors to stderr) and returns the exit code.</summary>
    /// <param name="method">The method.</param>
    /// <param name="path">The route below <c>api/</c>, with its query.</param>
    /// <param name="content">The body, if any.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="CommandException">The API cannot be reached.</exception>
    public async Task<int> CallAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(method, new Uri("api/" + path, UriKind.Relative), content, cancellationToken);
        return await ReportAsync(response, cancellationToken);
    }

    /// <summary>
    /// <c>POST api/{path}</c> of a publish, then follows the 202's <c>Location</c> until the release is finished, showing
    /// each status on stderr; prints the final release document and returns the exit code of its outcome.
    /// </summary>
    /// <param name="path">The route below <c>api/</c>, with its query.</param>
    /// <param name="content">The set.</param>
    /// <param name="pollInterval">Time between status reads.</param>
    /// <param name="cancellationToken">Stops following (the release goes on).</param>
    /// <exception cref="CommandException">The API cannot be reached.</exception>
    public async Task<int> PublishAsync(string path, HttpContent content, TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        Uri location;
        using (var accepted = await SendAsync(HttpMethod.Post, new Uri("api/" + path, UriKind.Relative), content, cancellationToken))
        {
            if (accepted.StatusCode != HttpStatusCode.Accepted || accepted.Headers.Location is null)
            {
                return await ReportAsync(accepted, cancellationToken);
            }

            location = new Uri(http.BaseAddress!, accepted.Headers.Location);
        }

        string? shown = null;
        var started = Stopwatch.StartNew();
        while (true)
        {
            using var response = await SendAsync(HttpMethod.Get, location, null, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                return await ReportAsync(response, cancellationToken);
            }

            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            using var release = JsonDocument.Parse(body);
            var root = release.RootElement;
            var status = root.GetProperty("status").GetString();
            var line = $"release {root.GetProperty("id").GetString()} of {root.GetProperty("version").GetString()}: {status}"
                + (root.TryGetProperty("attempts", out var attempts) && attempts.GetInt64() > 1 ? $" (attempt {attempts.GetInt64()})" : "");
            if (line != shown)
            {
                Console.Error.WriteLine($"[{started.Elapsed.TotalSeconds,6:F1} s] {line}");
                shown = line;
            }

            switch (status)
            {
                case "queued" or "running":
                    await Task.Delay(pollInterval, cancellationToken);
                    continue;
                case "refused" or "failed":
                    Console.Error.WriteLine(root.TryGetProperty("error", out var error) ? error.GetString() : status);
                    Console.WriteLine(body);
                    return status == "refused" ? ExitCodes.Refused : ExitCodes.ReleaseFailed;
                default:
                    Console.WriteLine(body);
                    return ExitCodes.Success;
            }
        }
    }

    /// <summary>JSON content for a command body.</summary>
    public static HttpContent Json<T>(T value) =>
        new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value, Pipeline.Release.ReleaseJson.Options))
        {
            Headers = { ContentType = new MediaTypeHeaderValue("application/json") },
        };

    /// <inheritdoc />
    public void Dispose() => http.Dispose();

    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri uri, HttpContent? content, CancellationToken cancellationToken)
    {
        try
        {
            using var request = new HttpRequestMessage(method, uri) { Content = content };
            return await http.SendAsync(request, cancellationToken);
        }
        catch (HttpRequestException exception)
        {
            throw new CommandException(ExitCodes.ServiceError, $"cannot reach the API at {http.BaseAddress}: {exception.Message} (is 'prefilter up' running?)");
        }
    }

    private static async Task<int> ReportAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        var status = (int)response.StatusCode;
        if (response.IsSuccessStatusCode)
        {
            Console.WriteLine(body);
            return ExitCodes.Success;
        }

        Console.Error.WriteLine($"{status} {response.ReasonPhrase}: {Detail(body)}");
        Console.WriteLine(body);
        return status switch
        {
            409 or 422 => ExitCodes.Refused,
            400 or 404 or 405 or 413 => ExitCodes.InputError,
            _ => ExitCodes.ServiceError,
        };
    }

    private static string Detail(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return document.RootElement.TryGetProperty("detail", out var detail) ? detail.GetString() ?? body : body;
        }
        catch (JsonException)
        {
            return body;
        }
    }
}
