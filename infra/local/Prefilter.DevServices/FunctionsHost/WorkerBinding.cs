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

    /// <summary>A string property of the entry, or null when it has none.</summary>
    /// <param name="name">The property name, e.g. <c>path</c>; matched ignoring case, as the host reads function.json.</param>
    public string? GetString(string name) =>
        Json.EnumerateObject().FirstOrDefault(property => property.NameEquals(name) || string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            .Value is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;

    /// <summary>A string-array property of the entry (e.g. <c>methods</c>), empty when it has none.</summary>
    /// <param name="name">The property name, matched ignoring case.</param>
    public IReadOnlyList<string> GetStrings(string name) =>
        Json.EnumerateObject().FirstOrDefault(property => string.Equals(property.Name, name, StringComparison.OrdinalIgnoreCase))
            .Value is { ValueKind: JsonValueKind.Array } array
            ? [.. array.EnumerateArray().Select(item => item.GetString() ?? "")]
            : [];

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

        var binding = new WorkerBinding("", "", "", json);
        return json.ValueKind == JsonValueKind.Object
            && binding.GetString("name") is { Length: > 0 } name
            && binding.GetString("type") is { Length: > 0 } type
            && binding.GetString("direction") is { Length: > 0 } direction
            ? new WorkerBinding(name, type, direction, json)
            : throw new InvalidDataException($"function {functionName} has a binding without name, type or direction: {rawBinding}");
    }
}
