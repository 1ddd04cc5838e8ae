using System.Reflection;
using System.Reflection.Emit;
using Prefilter.Pipeline;

namespace Prefilter.Pipeline.Tests;

/// <summary>
/// The pipeline's namespaces form layers: no namespace may depend, directly or through others, on one that depends
/// on it. Dependencies are read from the compiled assembly — signatures, fields and the types and members each
/// method body names — so a fully qualified name or a <c>using</c> alias counts as much as a <c>using</c>.
/// The composition root (the <c>*ServiceCollectionExtensions</c> classes, which wire every layer together) is left
/// out: it depends on everything by design, and nothing depends on it but other composition.
/// </summary>
public sealed class NamespaceDependencyTests
{
    private const string Root = "Prefilter.Pipeline";

    [Fact]
    public void Pipeline_namespaces_have_no_cycle()
    {
        var graph = DependencyGraph(typeof(PipelineServiceCollectionExtensions).Assembly);

        var cycles = Cycles(graph);

        Assert.True(cycles.Count == 0, "namespace cycles in Prefilter.Pipeline:\n" + string.Join("\n", cycles));
    }

    [Fact]
    public void The_dependency_reader_sees_references_made_only_inside_method_bodies()
    {
        // A namespace that names another only in a method body (a static call, a constructor) still depends on it;
        // if the IL reader missed bodies, the cycle test above could pass on a cyclic assembly.
        var graph = DependencyGraph(typeof(NamespaceDependencyTests).Assembly);

        Assert.Contains("Prefilter.Pipeline.Tests.Probe.Callee", graph["Prefilter.Pipeline.Tests.Probe.Caller"].Keys);
    }

    private static Dictionary<string, Dictionary<string, string>> DependencyGraph(Assembly assembly)
    {
        // namespace -> namespace it uses -> one use that makes the edge, for the failure message
        var graph = new Dictionary<string, Dictionary<string, string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            var from = OwnNamespace(type);
            if (from is null || IsComposition(type))
            {
                continue;
            }

            var edges = graph.TryGetValue(from, out var known) ? known : graph[from] = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var used in ReferencedTypes(type))
            {
                var to = OwnNamespace(used);
                if (IsComposition(used))
                {
                    continue;
                }

                if (to is not null && to != from && IsInAssemblyTree(to, assembly))
                {
                    edges.TryAdd(to, $"{type.FullName} uses {used.FullName}");
                }
            }
        }

        return graph;
    }

    private static bool IsComposition(Type type)
    {
        while (type.IsNested)
        {
            type = type.DeclaringType!;
        }

        return type.Name.EndsWith("ServiceCollectionExtensions", StringComparison.Ordinal);
    }

    private static bool IsInAssemblyTree(string ns, Assembly assembly) =>
        ns.StartsWith(assembly.GetName().Name!, StringComparison.Ordinal);

    /// <summary>A type's namespace, with compiler-generated nested types counted in their declaring type's.</summary>
    private static string? OwnNamespace(Type type)
    {
        while (type.IsNested)
        {
            type = type.DeclaringType!;
        }

        return type.Namespace;
    }

    private static IEnumerable<Type> ReferencedTypes(Type type)
    {
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
        if (type.BaseType is not null)
        {
            yield return type.BaseType;
        }

        foreach (var i in type.GetInterfaces())
        {
            yield return i;
        }

        foreach (var field in type.GetFields(all))
        {
            yield return field.FieldType;
        }

        foreach (var method in type.GetMethods(all).Cast<MethodBase>().Concat(type.GetConstructors(all)))
        {
            if (method is MethodInfo info)
            {
                yield return info.ReturnType;
            }

            foreach (var parameter in method.GetParameters())
            {
                yield return parameter.ParameterType;
            }

            foreach (var used in BodyReferences(method))
            {
                yield return used;
            }
        }
    }

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>The types that a method body's instructions name: tokens of types, fields and methods.</summary>
    private static IEnumerable<Type> BodyReferences(MethodBase method)
    {
        var il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null)
        {
            yield break;
        }

        var genericTypeArguments = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var genericMethodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        for (var at = 0; at < il.Length;)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            at += il[at] == 0xFE ? 2 : 1;
            var opCode = OpCodesByValue[value];
            var operandSize = OperandSize(opCode, il, at);
            if (opCode.OperandType is OperandType.InlineType or OperandType.InlineField or OperandType.InlineMethod or OperandType.InlineTok)
            {
                var member = Resolve(method.Module, BitConverter.ToInt32(il, at), genericTypeArguments, genericMethodArguments);
                if (member is Type referenced)
                {
                    yield return referenced;
                }
                else if (member?.DeclaringType is not null)
                {
                    yield return member.DeclaringType;
                }
            }

            at += operandSize;
        }
    }

    private static MemberInfo? Resolve(Module module, int token, Type[]? typeArguments, Type[]? methodArguments)
    {
        try
        {
            return module.ResolveMember(token, typeArguments, methodArguments);
        }
        catch (ArgumentException)
        {
            // A token into another module's generic context that cannot be instantiated here names no type of ours.
            return null;
        }
    }

    private static int OperandSize(OpCode opCode, byte[] il, int at) => opCode.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + (4 * BitConverter.ToInt32(il, at)),
        _ => 4,
    };

    private static List<string> Cycles(Dictionary<string, Dictionary<string, string>> graph)
    {
        var cycles = new List<string>();
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        var path = new Stack<string>();

        void Visit(string node)
        {
            state[node] = 1;
            path.Push(node);
            foreach (var (next, use) in graph.GetValueOrDefault(node) ?? [])
            {
                if (state.GetValueOrDefault(next) == 1)
                {
                    var loop = path.Reverse().SkipWhile(n => n != next).Append(next);
                    cycles.Add($"{string.Join(" -> ", loop.Select(Short))} (closed by {use})");
                }
                else if (state.GetValueOrDefault(next) == 0)
                {
                    Visit(next);
                }
            }

            path.Pop();
            state[node] = 2;
        }

        foreach (var node in graph.Keys.Order(StringComparer.Ordinal))
        {
            if (state.GetValueOrDefault(node) == 0)
            {
                Visit(node);
            }
        }

        return cycles;
    }

    private static string Short(string ns) => ns.Length > Root.Length ? ns[(Root.Length + 1)..] : ns;
}
