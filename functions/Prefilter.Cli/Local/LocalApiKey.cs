using System.Security.Cryptography;
using System.Text;
using Prefilter.Pipeline.Api;

namespace Prefilter.Cli.Local;

/// <summary>
/// The key check the Functions host makes for <c>AuthorizationLevel.Function</c>, done locally: the key in the
/// <c>x-functions-key</c> header or the <c>code</c> query parameter.
/// </summary>
/// <param name="key">The key requests must carry.</param>
internal sealed class LocalApiKey(string key)
{
    /// <summary>The header the Functions host reads.</summary>
    public const string HeaderName = "x-functions-key";

    /// <summary>The query parameter the Functions host reads.</summary>
    public const string QueryName = "code";

    /// <summary>The key.</summary>
    public string Key { get; } = key;

    /// <summary>A new random key (URL-safe, 256 bits).</summary>
    public static string NewKey() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>True when the request carries the key.</summary>
    /// <param name="request">The request.</param>
    public bool Allows(ApiRequest request)
    {
        var given = request.Header(HeaderName) ?? request.QueryValue(QueryName);
        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(Key));
    }
}
