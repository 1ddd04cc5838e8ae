using System.Text.Json;
using System.Text.RegularExpressions;

namespace Prefilter.Engine.Tests.PatternSets;

/// <summary>
/// Validates JSON against the subset of JSON Schema 2020-12 that <c>pattern-set.schema.json</c> uses, so tests can hold
/// the documents we write against the schema we publish without a validator package. A keyword outside the subset
/// fails loudly, so the schema cannot quietly grow beyond what is checked.
/// </summary>
internal sealed class SchemaSubsetValidator(JsonElement root)
{
    private static readonly HashSet<string> Annotations =
        ["$schema", "$id", "title", "description", "default", "format", "$defs"];

    public List<string> Validate(JsonElement instance)
    {
        var errors = new List<string>();
        Validate(root, instance, "$", errors);
        return errors;
    }

    private void Validate(JsonElement schema, JsonElement instance, string path, List<string> errors)
    {
        if (schema.ValueKind == JsonValueKind.False)
        {
            errors.Add($"{path}: not allowed here");
            return;
        }

        if (schema.ValueKind == JsonValueKind.True)
        {
            return;
        }

        foreach (var keyword in schema.EnumerateObject())
        {
            var value = keyword.Value;
            switch (keyword.Name)
            {
                case "$ref":
                    Validate(Resolve(value.GetString()!), instance, path, errors);
                    break;
                case "type":
                    var types = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray().Select(t => t.GetString()!).ToArray() : [value.GetString()!];
                    if (!types.Any(t => HasType(instance, t)))
                    {
                        errors.Add($"{path}: expected {string.Join(" or ", types)}, found {instance.ValueKind}");
                    }

                    break;
                case "required":
                    if (instance.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var name in value.EnumerateArray().Select(n => n.GetString()!))
                        {
                            if (!instance.TryGetProperty(name, out _))
                            {
                                errors.Add($"{path}: missing required '{name}'");
                            }
                        }
                    }

                    break;
                case "properties":
                    if (instance.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var property in value.EnumerateObject())
                        {
                            if (instance.TryGetProperty(property.Name, out var member))
                            {
                                Validate(property.Value, member, $"{path}.{property.Name}", errors);
                            }
                        }
                    }

                    break;
                case "additionalProperties":
                    if (instance.ValueKind == JsonValueKind.Object && value.ValueKind == JsonValueKind.False)
                    {
                        var declared = schema.GetProperty("properties").EnumerateObject().Select(p => p.Name).ToHashSet();
                        foreach (var member in instance.EnumerateObject().Where(m => !declared.Contains(m.Name)))
                        {
                            errors.Add($"{path}: unknown member '{member.Name}'");
                        }
                    }

                    break;
                case "items":
                    if (instance.ValueKind == JsonValueKind.Array)
                    {
                        var i = 0;
                        foreach (var item in instance.EnumerateArray())
                        {
                            Validate(value, item, $"{path}[{i++}]", errors);
                        }
                    }

                    break;
                case "minItems":
                    if (instance.ValueKind == JsonValueKind.Array && instance.GetArrayLength() < value.GetInt32())
                    {
                        errors.Add($"{path}: fewer than {value.GetInt32()} items");
                    }

                    break;
                case "maxItems":
                    if (instance.ValueKind == JsonValueKind.Array && instance.GetArrayLength() > value.GetInt32())
                    {
                        errors.Add($"{path}: more than {value.GetInt32()} items");
                    }

                    break;
                case "minLength":
                    if (instance.ValueKind == JsonValueKind.String && instance.GetString()!.Length < value.GetInt32())
                    {
                        errors.Add($"{path}: shorter than {value.GetInt32()}");
                    }

                    break;
                case "pattern":
                    if (instance.ValueKind == JsonValueKind.String && !Regex.IsMatch(instance.GetString()!, value.GetString()!))
                    {
                        errors.Add($"{path}: does not match {value.GetString()}");
                    }

                    break;
                case "enum":
                    if (!value.EnumerateArray().Any(v => JsonElement.DeepEquals(v, instance)))
                    {
                        errors.Add($"{path}: {instance} is not one of {value}");
                    }

                    break;
                case "const":
                    if (!JsonElement.DeepEquals(value, instance))
                    {
                        errors.Add($"{path}: {instance} is not {value}");
                    }

                    break;
                case "allOf":
                    foreach (var sub in value.EnumerateArray())
                    {
                        Validate(sub, instance, path, errors);
                    }

                    break;
                case "anyOf":
                    if (!value.EnumerateArray().Any(sub => Passes(sub, instance)))
                    {
                        errors.Add($"{path}: matches none of the alternatives");
                    }

                    break;
                case "if":
                    var branch = Passes(value, instance) ? "then" : "else";
                    if (schema.TryGetProperty(branch, out var next))
                    {
                        Validate(next, instance, path, errors);
                    }

                    break;
                case "then" or "else":
                    break;
                default:
                    if (!Annotations.Contains(keyword.Name))
                    {
                        throw new NotSupportedException($"Schema keyword '{keyword.Name}' is not checked by the tests; extend {nameof(SchemaSubsetValidator)}.");
                    }

                    break;
            }
        }
    }

    private bool Passes(JsonElement schema, JsonElement instance)
    {
        var errors = new List<string>();
        Validate(schema, instance, "", errors);
        return errors.Count == 0;
    }

    private JsonElement Resolve(string reference)
    {
        const string prefix = "#/$defs/";
        Assert.StartsWith(prefix, reference);
        return root.GetProperty("$defs").GetProperty(reference[prefix.Length..]);
    }

    private static bool HasType(JsonElement instance, string type) => type switch
    {
        "object" => instance.ValueKind == JsonValueKind.Object,
        "array" => instance.ValueKind == JsonValueKind.Array,
        "string" => instance.ValueKind == JsonValueKind.String,
        "number" => instance.ValueKind == JsonValueKind.Number,
        "boolean" => instance.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "null" => instance.ValueKind == JsonValueKind.Null,
        _ => throw new NotSupportedException($"type '{type}'"),
    };
}
