using System.Text.Json;

namespace Prefilter.Pipeline.Api;

/// <summary>Reads request bodies under a size cap, so an oversized body is refused before it fills memory.</summary>
internal static class ApiBody
{
    /// <summary>The body's bytes, or a 413 problem when it is (or declares to be) larger than <paramref name="maxBytes"/>.</summary>
    public static async Task<(byte[]? Content, ApiResponse? Refusal)> ReadAsync(ApiRequest request, long maxBytes, string limitName, CancellationToken cancellationToken)
    {
        if (request.ContentLength > maxBytes)
        {
            return (null, TooLarge(request.ContentLength.Value, maxBytes, limitName, exact: true));
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return (null, TooLarge(buffer.Length + read, maxBytes, limitName, exact: false));
            }

            buffer.Write(chunk, 0, read);
        }

        return (buffer.ToArray(), null);
    }

    /// <summary>
    /// Parses an optional JSON object body into <typeparamref name="T"/>: an empty body is the default value, malformed
    /// JSON a 400 problem with the parser's line and position.
    /// </summary>
    public static (T? Value, ApiResponse? Refusal) ParseOptional<T>(byte[] content)
        where T : class
    {
        if (content.AsSpan().Trim(" \t\r\n"u8).IsEmpty)
        {
            return (null, null);
        }

        try
        {
            return (JsonSerializer.Deserialize<T>(content, Release.ReleaseJson.Options), null);
        }
        catch (JsonException exception)
        {
            return (null, ApiResponse.Problem(
                400,
                $"the request body is not valid JSON: {exception.Message}",
                new Dictionary<string, object?> { ["line"] = exception.LineNumber + 1, ["position"] = exception.BytePositionInLine + 1 }));
        }
    }

    private static ApiResponse TooLarge(long length, long maxBytes, string limitName, bool exact) => ApiResponse.Problem(
        413,
        $"the request body is {(exact ? "" : "more than ")}{(exact ? length : maxBytes)} bytes, over the limit of {maxBytes} bytes ({limitName})",
        new Dictionary<string, object?> { ["limitBytes"] = maxBytes });
}
