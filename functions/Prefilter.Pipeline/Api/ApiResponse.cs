using System.Text.Json;
using System.Text.Json.Nodes;
using Prefilter.Pipeline.Release;

namespace Prefilter.Pipeline.Api;

/// <summary>
/// What an API handler answers: a status and a JSON body (a result, or RFC 9457 problem details
/// <c>{ "status", "title", "detail", … }</c> for every error), plus headers such as <c>Allow</c>.
/// </summary>
/// <param name="StatusCode">The HTTP status.</param>
/// <param name="ContentType">The body's media type: <c>application/json</c> or <c>application/problem+json</c>.</param>
/// <param name="Body">The UTF-8 JSON body.</param>
public sealed record ApiResponse(int StatusCode, string ContentType, byte[] Body)
{
    /// <summary>Media type of results.</summary>
    public const string JsonContentType = "application/json; charset=utf-8";

    /// <summary>Media type of errors.</summary>
    public const string ProblemContentType = "application/problem+json; charset=utf-8";

    // Relaxed escaping: the body is JSON for API clients (never embedded in HTML), and operators read it with curl.
    private static readonly JsonSerializerOptions BodyOptions = new(ReleaseJson.Options) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Extra response headers (e.g. <c>Allow</c> on 405).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>A result serialized with <see cref="ReleaseJson.Options"/>, so it reads like the stored documents.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="statusCode">The status.</param>
    /// <param name="value">The result.</param>
    public static ApiResponse Json<T>(int statusCode, T value) =>
        new(statusCode, JsonContentType, JsonSerializer.SerializeToUtf8Bytes(value, BodyOptions));

    /// <summary>Problem details: <c>status</c>, <c>title</c> (the status's name), <c>detail</c>, and any extension members.</summary>
    /// <param name="statusCode">The status.</param>
    /// <param name="detail">One sentence that says what was wrong with this request.</param>
    /// <param name="extensions">Extra members (rule id, line, findings, gate report); serialized with <see cref="ReleaseJson.Options"/>.</param>
    public static ApiResponse Problem(int statusCode, string detail, IReadOnlyDictionary<string, object?>? extensions = null)
    {
        var body = new JsonObject
        {
            ["type"] = "about:blank",
            ["status"] = statusCode,
            ["title"] = Title(statusCode),
            ["detail"] = detail,
        };
        foreach (var (name, value) in extensions ?? new Dictionary<string, object?>())
        {
            body[name] = value is null ? null : JsonSerializer.SerializeToNode(value, value.GetType(), ReleaseJson.Options);
        }

        return new ApiResponse(statusCode, ProblemContentType, JsonSerializer.SerializeToUtf8Bytes(body, BodyOptions));
    }

    /// <summary>401: the function key is missing or wrong.</summary>
    public static ApiResponse Unauthorized() => Problem(
        401,
        "a valid key is required: send it in the 'x-functions-key' header or the 'code' query parameter");

    /// <summary>404 for a path the API does not serve.</summary>
    /// <param name="path">The path below <c>/api/</c>.</param>
    public static ApiResponse UnknownRoute(string path) => Problem(404, $"no API route '/api/{path}'", new Dictionary<string, object?> { ["path"] = "/api/" + path });

    /// <summary>405 with the <c>Allow</c> header.</summary>
    /// <param name="method">The method used.</param>
    /// <param name="path">The path below <c>/api/</c>.</param>
    /// <param name="allowed">The methods the route serves.</param>
    public static ApiResponse MethodNotAllowed(string method, string path, params string[] allowed) =>
        Problem(405, $"'/api/{path}' does not serve {method}; use {string.Join(" or ", allowed)}") with
        {
            Headers = new Dictionary<string, string> { ["Allow"] = string.Join(", ", allowed) },
        };

    private static string Title(int statusCode) => statusCode switch
    {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Content Too Large",
        414 => "URI Too Long",
        422 => "Unprocessable Content",
        431 => "Request Header Fields Too Large",
        503 => "Service Unavailable",
        _ => statusCode < 400 ? "OK" : "Error",
    };
}
