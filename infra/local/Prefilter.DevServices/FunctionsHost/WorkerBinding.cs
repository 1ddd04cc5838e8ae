using System.Text.Json;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// One binding of an indexed function, as the worker described it: a function.json <c>bindings</c> entry, e.g.
/// <c>{"name":"blob","type":"blobTrigger","direction":"In","path":"incoming/{name}","source":"EventGrid","connection":"Storage"}</c>.
/// </summary>
public sealed class WorkerBinding
{
    private WorkerBinding(string name, string type, string direction, JsonElement json)
    {
        Name = name;
        Type = type;
        Direction = direction;
        Json = json;
    }

    /// <summary>The binding name: the parameter it fills, or <c>$return</c>.</summary>
    public string Name { get; }

    /// <summary>The binding type, e.g. <c>blobTrigger</c>, <c>httpTrigger</c>, <c>timerTrigger</c>, <c>http</c>.</summary>
    public string Type { get; }

    /// <summary><c>In</c> or <c>Out</c>, as the worker wrote it.</summary>
    public string Direction { get; }

    /// <summary>The whole entry, for the type's own properties (<c>path</c>, <c>route</c>, <c>schedule</c>, …).</summary>
    public JsonElement Json { get; }

    /// <summary>Whether this binding triggers its function.</summary>
    public bool IsTrigger => Type.EndsWith("Trigger", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Whether the worker binds an SDK type here (<c>properties.supportsDeferredBinding</c>), so the host sends
    /// model-binding data instead of the content.
    /// </summary>
    public bool SupportsDeferredBinding =>
        Property(Json, "properties") is { ValueKind: JsonValueKind.Object } properties
        && Property(properties, "supportsDeferredBinding") is { ValueKind: JsonValueKind.String } value
        && bool.TryParse(value.GetString(), out var supported) && supported;

    /// <summary>A string property of the entry, or null when it has none.</summary>
    /// <param name="name">The property name, e.g. <c>path</c>; matched ignoring case, as the host reads function.json.</param>
    public string? GetString(string name) => Text(Json, name);

    /// <summary>A string-array property of the entry (e.g. <c>methods</c>), empty when it has none.</summary>
    /// <param name="name">The property name, matched ignoring case.</param>
    public IReadOnlyList<string> GetStrings(string name) =>
        Property(Json, name) is { ValueKind: JsonValueKind.Array } array ? [.. array.EnumerateArray().Select(item => item.GetString() ?? "")] : [];

    /// <summary>Reads one raw binding.</summary>
    /// <param name="rawBinding">The JSON object.</param>
    /// <param name="functionName">For the error message.</param>
    /// <exception cref="InvalidDataException">Not a JSON object with a name, type and direction.</exception>
    internal static WorkerBinding Parse(string rawBinding, string functionName)
    {
        JsonElement json;
        try
        {
            using var document = JsonDocument.Parse(rawBinding);
            json = document.RootElement.Clone();
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"function {functionName} has a binding that is not JSON: {rawBinding}", exception);
        }

        return Text(json, "name") is { Length: > 0 } name
            && Text(json, "type") is { Length: > 0 } type
            && Text(json, "direction") is { Length: > 0 } direction
            ? new WorkerBinding(name, type, direction, json)
            : throw new InvalidDataException($"function {functionName} has a binding without name, type or direction: {rawBinding}");
    }

    private static string? Text(JsonElement element, string name) =>
        Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    private static JsonElement? Property(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
            ? element.EnumerateObject().Where(property => string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase)).Select(property => (JsonElement?)property.Value).FirstOrDefault()
            : null;
}
