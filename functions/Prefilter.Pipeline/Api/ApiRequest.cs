using Microsoft.Extensions.Primitives;

namespace Prefilter.Pipeline.Api;

/// <summary>
/// One HTTP request as the API handlers see it, independent of the host (the Functions worker in Azure, Kestrel in
/// <c>prefilter up</c>), so both answer byte for byte the same.
/// </summary>
/// <param name="Method">The HTTP method, e.g. <c>POST</c>.</param>
/// <param name="Path">The path below <c>/api/</c>, without leading or trailing slash, e.g. <c>patterns/rollback</c>.</param>
/// <param name="Query">Query parameters; a repeated parameter keeps every value.</param>
/// <param name="Headers">Request headers (names compared without case).</param>
/// <param name="Body">The request body; read once, never disposed by the handler.</param>
/// <param name="ContentLength">The declared Content-Length, when the client sent one: an oversized body is refused before it is read.</param>
public sealed record ApiRequest(
    string Method,
    string Path,
    IReadOnlyDictionary<string, IReadOnlyList<string>> Query,
    IReadOnlyDictionary<string, string> Headers,
    Stream Body,
    long? ContentLength)
{
    /// <summary>Header naming who makes a change, recorded in the audit trail (e.g. an operator's name).</summary>
    public const string ActorHeader = "X-Prefilter-Actor";

    /// <summary>
    /// Builds a request from what every HTTP host has (ASP.NET Core's <c>IQueryCollection</c> and <c>IHeaderDictionary</c>
    /// are such sequences), so the Functions app and the local server translate requests the same way.
    /// </summary>
    /// <param name="method">The HTTP method.</param>
    /// <param name="path">The request path, with or without the leading <c>/api/</c>.</param>
    /// <param name="query">Query parameters.</param>
    /// <param name="headers">Request headers; repeated headers are joined with commas.</param>
    /// <param name="body">The body stream.</param>
    /// <param name="contentLength">The declared Content-Length, if any.</param>
    public static ApiRequest Create(
        string method,
        string path,
        IEnumerable<KeyValuePair<string, StringValues>> query,
        IEnumerable<KeyValuePair<string, StringValues>> headers,
        Stream body,
        long? contentLength)
    {
        ArgumentNullException.ThrowIfNull(path);
        var relative = path.Trim('/');
        if (relative.StartsWith("api/", StringComparison.OrdinalIgnoreCase) || string.Equals(relative, "api", StringComparison.OrdinalIgnoreCase))
        {
            relative = relative.Length > 3 ? relative[4..] : "";
        }

        return new ApiRequest(
            method,
            relative,
            query.ToDictionary(pair => pair.Key, pair => (IReadOnlyList<string>)pair.Value.OfType<string>().ToList(), StringComparer.OrdinalIgnoreCase),
            headers.ToDictionary(pair => pair.Key, pair => pair.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body,
            contentLength);
    }

    /// <summary>The first value of a query parameter, or null.</summary>
    /// <param name="name">The parameter name.</param>
    public string? QueryValue(string name) =>
        Query.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>A header value, or null.</summary>
    /// <param name="name">The header name.</param>
    public string? Header(string name) =>
        Headers.TryGetValue(name, out var value) ? value : Headers.FirstOrDefault(pair => string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Who makes the change: the <see cref="ActorHeader"/> when given, else <paramref name="fallback"/>.</summary>
    /// <param name="fallback">The door's name, e.g. <c>api</c>.</param>
    public string Actor(string fallback) => Header(ActorHeader) is { Length: > 0 } actor ? actor.Trim() : fallback;
}
