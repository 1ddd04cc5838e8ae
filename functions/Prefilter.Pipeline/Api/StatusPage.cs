using System.Reflection;
using System.Security.Cryptography;
using System.Text;

namespace Prefilter.Pipeline.Api;

/// <summary>
/// The status page: one HTML document with its style and script inline, built once from the assembly's embedded
/// resources (<c>Api/Assets/status.*</c>). It loads nothing from elsewhere, and its Content-Security-Policy says so:
/// only the inline style and script with these hashes run, and data requests go to the page's own origin.
/// </summary>
public static class StatusPage
{
    /// <summary>Media type of the page.</summary>
    public const string HtmlContentType = "text/html; charset=utf-8";

    /// <summary>The page, with its headers.</summary>
    public static ApiResponse Response { get; } = Build();

    private static ApiResponse Build()
    {
        var css = Resource("status.css");
        var script = Resource("status.js");
        var html = Resource("status.html")
            .Replace("/*STYLE*/", css, StringComparison.Ordinal)
            .Replace("/*SCRIPT*/", script, StringComparison.Ordinal);
        return new ApiResponse(200, HtmlContentType, Encoding.UTF8.GetBytes(html))
        {
            Headers = new Dictionary<string, string>
            {
                ["Content-Security-Policy"] =
                    $"default-src 'none'; style-src '{Hash(css)}'; script-src '{Hash(script)}'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",

                // The page's address may carry the function key (?code=): never hand it to another site or a cache.
                ["Referrer-Policy"] = "no-referrer",
                ["Cache-Control"] = "no-store",
                ["X-Content-Type-Options"] = "nosniff",
            },
        };
    }

    private static string Hash(string content) => "sha256-" + Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(content)));

    private static string Resource(string name)
    {
        var assembly = typeof(StatusPage).Assembly;
        using var stream = assembly.GetManifestResourceStream($"Prefilter.Pipeline.Api.Assets.{name}")
            ?? throw new InvalidOperationException($"the status page's resource '{name}' is not embedded in {assembly.GetName().Name}");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
