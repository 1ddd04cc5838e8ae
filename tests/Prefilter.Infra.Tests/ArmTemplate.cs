using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Prefilter.Infra.Tests;

/// <summary>
/// One template of a compiled deployment: the main template or a module's nested template, with the
/// deployment resource that carries it (whose parameter values come from the parent).
/// </summary>
internal sealed partial class ArmTemplate
{
    private ArmTemplate(string path, JsonElement template, JsonElement? deployment, ArmTemplate? parent)
    {
        Path = path;
        Template = template;
        Deployment = deployment;
        Parent = parent;
    }

    /// <summary>Module names from the root, e.g. "main/rbac".</summary>
    public string Path { get; }

    public JsonElement Template { get; }

    /// <summary>The Microsoft.Resources/deployments resource in the parent; null for the root.</summary>
    public JsonElement? Deployment { get; }

    public ArmTemplate? Parent { get; }

    public string ModuleName => Deployment is { } deployment ? deployment.GetProperty("name").GetString()! : "main";

    public static ArmTemplate Root(JsonElement template) => new("main", template, null, null);

    /// <summary>This template and every nested one, depth first.</summary>
    public IEnumerable<ArmTemplate> Descendants()
    {
        yield return this;
        foreach (var resource in Resources())
        {
            if (Type(resource) == "Microsoft.Resources/deployments")
            {
                var module = new ArmTemplate(
                    $"{Path}/{resource.GetProperty("name").GetString()}",
                    resource.GetProperty("properties").GetProperty("template"),
                    resource,
                    this);
                foreach (var descendant in module.Descendants())
                {
                    yield return descendant;
                }
            }
        }
    }

    /// <summary>Resources, whether the template lists them (language version 1) or names them (2.0).</summary>
    public IEnumerable<JsonElement> Resources()
    {
        if (!Template.TryGetProperty("resources", out var resources))
        {
            return [];
        }

        return resources.ValueKind == JsonValueKind.Array
            ? resources.EnumerateArray().ToList()
            : resources.EnumerateObject().Select(property => property.Value).ToList();
    }

    /// <summary>Resources this template deploys (not references to existing ones) of one type.</summary>
    public IEnumerable<JsonElement> Deployed(string type) =>
        Resources().Where(resource => Type(resource) == type && !IsExisting(resource));

    public IEnumerable<JsonProperty> Outputs() =>
        Template.TryGetProperty("outputs", out var outputs) ? outputs.EnumerateObject().ToList() : [];

    /// <summary>The value the parent passes for a parameter of this module.</summary>
    public JsonElement ParameterValue(string name)
    {
        var deployment = Deployment ?? throw new InvalidOperationException("the root template has no parent to pass parameters");
        return deployment.GetProperty("properties").GetProperty("parameters").GetProperty(name).GetProperty("value");
    }

    /// <summary>A parameter's default value in this template.</summary>
    public JsonElement DefaultValue(string name) =>
        Template.GetProperty("parameters").GetProperty(name).GetProperty("defaultValue");

    /// <summary>
    /// The literal an expression stands for when it is a plain string, <c>[variables('x')]</c> or
    /// <c>[variables('x').member]</c> with a literal behind it; null otherwise.
    /// </summary>
    public string? Literal(JsonElement value)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            return null;
        }

        var text = value.GetString()!;
        if (!IsExpression(text))
        {
            return text;
        }

        var match = WholeVariableReference().Match(text);
        if (!match.Success)
        {
            return null;
        }

        var resolved = Variable(match.Groups["name"].Value, match.Groups["members"].Value);
        return resolved is { ValueKind: JsonValueKind.String } literal ? Literal(literal) : null;
    }

    /// <summary>The expression text with every <c>variables('x').member</c> that holds a string replaced by that string, quoted.</summary>
    public string InlineVariables(string expression) =>
        VariableReference().Replace(expression, match =>
            Variable(match.Groups["name"].Value, match.Groups["members"].Value) is { ValueKind: JsonValueKind.String } value
                ? $"'{value.GetString()!.Replace("'", "''", StringComparison.Ordinal)}'"
                : match.Value);

    /// <summary>The element a variable (and member path) holds, or null.</summary>
    public JsonElement? Variable(string name, string members = "")
    {
        if (!Template.TryGetProperty("variables", out var variables) || !variables.TryGetProperty(name, out var value))
        {
            return null;
        }

        foreach (var member in members.Split('.', StringSplitOptions.RemoveEmptyEntries))
        {
            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(member, out value))
            {
                return null;
            }
        }

        return value;
    }

    public static string Type(JsonElement resource) => resource.GetProperty("type").GetString()!;

    public static bool IsExisting(JsonElement resource) =>
        resource.TryGetProperty("existing", out var existing) && existing.ValueKind == JsonValueKind.True;

    public static bool IsExpression(string text) =>
        text.StartsWith('[') && text.EndsWith(']') && !text.StartsWith("[[", StringComparison.Ordinal);

    /// <summary>
    /// Key/value pairs of every <c>createObject(...)</c> call in an expression, as written: a literal key
    /// unquoted, anything else as its expression text.
    /// </summary>
    public static IReadOnlyList<KeyValuePair<string, string>> CreateObjectPairs(string expression)
    {
        var pairs = new List<KeyValuePair<string, string>>();
        const string call = "createObject(";
        for (var at = expression.IndexOf(call, StringComparison.Ordinal); at >= 0; at = expression.IndexOf(call, at + 1, StringComparison.Ordinal))
        {
            var arguments = SplitArguments(expression, at + call.Length);
            for (var i = 0; i + 1 < arguments.Count; i += 2)
            {
                pairs.Add(new(Unquote(arguments[i]), arguments[i + 1]));
            }
        }

        return pairs;
    }

    /// <summary>Strips the quotes of an ARM string literal ('it''s' becomes it's); other text is returned as is.</summary>
    public static string Unquote(string argument) =>
        argument.Length >= 2 && argument[0] == '\'' && argument[^1] == '\''
            ? argument[1..^1].Replace("''", "'", StringComparison.Ordinal)
            : argument;

    /// <summary>Top-level arguments, as written, of the first call to <paramref name="function"/> in an expression.</summary>
    public static IReadOnlyList<string> Arguments(string expression, string function)
    {
        var at = expression.IndexOf(function + "(", StringComparison.Ordinal);
        return at < 0
            ? throw new FormatException($"no call to {function} in {expression}")
            : SplitArguments(expression, at + function.Length + 1);
    }

    /// <summary>Top-level arguments of the call whose argument list starts at <paramref name="start"/>.</summary>
    private static List<string> SplitArguments(string expression, int start)
    {
        var arguments = new List<string>();
        var current = new StringBuilder();
        var depth = 0;
        var inString = false;
        for (var i = start; i < expression.Length; i++)
        {
            var c = expression[i];
            if (inString)
            {
                current.Append(c);
                if (c == '\'')
                {
                    if (i + 1 < expression.Length && expression[i + 1] == '\'')
                    {
                        current.Append(expression[++i]);
                    }
                    else
                    {
                        inString = false;
                    }
                }

                continue;
            }

            switch (c)
            {
                case '\'':
                    inString = true;
                    current.Append(c);
                    break;
                case '(' or '[':
                    depth++;
                    current.Append(c);
                    break;
                case ')' or ']' when depth == 0:
                    if (current.Length > 0)
                    {
                        arguments.Add(current.ToString().Trim());
                    }

                    return arguments;
                case ')' or ']':
                    depth--;
                    current.Append(c);
                    break;
                case ',' when depth == 0:
                    arguments.Add(current.ToString().Trim());
                    current.Clear();
                    break;
                default:
                    current.Append(c);
                    break;
            }
        }

        throw new FormatException($"unbalanced call in expression: {expression}");
    }

    [GeneratedRegex(@"^\[variables\('(?<name>[^']+)'\)(?<members>(\.[A-Za-z_][A-Za-z0-9_]*)*)\]$")]
    private static partial Regex WholeVariableReference();

    [GeneratedRegex(@"variables\('(?<name>[^']+)'\)(?<members>(\.[A-Za-z_][A-Za-z0-9_]*)*)")]
    private static partial Regex VariableReference();
}
