using System.Text.Json;
using System.Text.Json.Serialization;

namespace Prefilter.Pipeline.Release;

/// <summary>
/// The JSON shape of every release document (gate reports, upload results, audit records) and of the results the
/// API returns: camelCase, enums by name, indented. The HTTP API should serialize with these options too, so a report
/// reads the same from the API and from storage.
/// </summary>
public static class ReleaseJson
{
    /// <summary>The serializer options.</summary>
    public static JsonSerializerOptions Options { get; } = Create();

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = true };
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
