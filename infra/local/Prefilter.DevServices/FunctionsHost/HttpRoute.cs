using System.Text;
using System.Text.RegularExpressions;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// An HTTP trigger's route under the host's <c>api/</c> prefix (e.g. <c>patterns/{*rest}</c>) and its methods: which
/// requests it takes, and the route values of one that it does.
/// </summary>
internal sealed class HttpRoute
{
    /// <summary>The host's default route prefix (host.json <c>extensions.http.routePrefix</c>).</summary>
    public const string Prefix = "/api";

    private readonly Regex pattern;
    private readonly IReadOnlyList<string> methods;

    private HttpRoute(Regex pattern, IReadOnlyList<string> methods)
    {
        this.pattern = pattern;
        this.methods = methods;
    }

    /// <summary>Parses a route template: literal segments, <c>{name}</c>, and a last <c>{*name}</c> that takes the rest.</summary>
    /// <param name="template">The route.</param>
    /// <param name="methods">The methods it takes; empty for all.</param>
    public static HttpRoute Parse(string template, IReadOnlyList<string> methods)
    {
        var regex = new StringBuilder("^");
        foreach (var segment in template.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var parameter = Regex.Match(segment, @"^\{(?<catchAll>\*)?(?<name>[A-Za-z_][A-Za-z0-9_]*)(?::[^}?]*)?\??\}$");
            regex.Append(parameter.Success switch
            {
                true when parameter.Groups["catchAll"].Success => $"(?:/(?<{parameter.Groups["name"].Value}>.*))?",
                true => $"/(?<{parameter.Groups["name"].Value}>[^/]+)",
                false => "/" + Regex.Escape(segment),
            });
        }

        return new HttpRoute(new Regex(regex.Append("/?$").ToString(), RegexOptions.IgnoreCase | RegexOptions.CultureInvariant), methods);
    }

    /// <summary>The route values when this route takes the request, else null.</summary>
    /// <param name="method">The request method.</param>
    /// <param name="path">The request path, with the <c>/api</c> prefix.</param>
    public IReadOnlyDictionary<string, string>? Match(string method, string path)
    {
        if (!path.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            || (methods.Count > 0 && !methods.Contains(method, StringComparer.OrdinalIgnoreCase)))
        {
            return null;
        }

        var match = pattern.Match(path[Prefix.Length..]);
        return match.Success
            ? match.Groups.Cast<Group>().Where(group => group.Name != "0" && group.Success).ToDictionary(group => group.Name, group => group.Value, StringComparer.Ordinal)
            : null;
    }
}
