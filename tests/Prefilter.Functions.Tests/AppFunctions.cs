using System.Reflection;
using System.Text.RegularExpressions;
using Microsoft.Azure.Functions.Worker;
using Prefilter.Functions.Functions;

namespace Prefilter.Functions.Tests;

/// <summary>
/// What the app declares and what the Bicep expects of it, read once for every test that checks one against the
/// other: the attribute checks (<see cref="FunctionBindingTests"/>) and the worker's own indexing under the host
/// stand-in (<see cref="Hosting.WorkerIndexingTests"/>).
/// </summary>
internal static class AppFunctions
{
    /// <summary>Each <c>[Function]</c> method by function name.</summary>
    public static IReadOnlyDictionary<string, MethodInfo> ByName { get; } = typeof(ScanMailFunction).Assembly.GetTypes()
        .SelectMany(type => type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly))
        .Where(method => method.GetCustomAttribute<FunctionAttribute>() is not null)
        .ToDictionary(method => method.GetCustomAttribute<FunctionAttribute>()!.Name);

    /// <summary>The trigger attribute of a function's parameters.</summary>
    public static T Trigger<T>(MethodInfo method)
        where T : Attribute =>
        method.GetParameters().Select(parameter => parameter.GetCustomAttribute<T>()).OfType<T>().Single();

    /// <summary>A parameter's default in infra/modules/eventsubscriptions.bicep: the function names the Event Grid subscriptions call.</summary>
    public static string EventSubscriptionDefault(string parameter)
    {
        var module = File.ReadAllText(Path.Combine(RepositoryRoot, "infra", "modules", "eventsubscriptions.bicep"));
        var match = Regex.Match(module, $@"param {Regex.Escape(parameter)} string = '([^']+)'");
        Assert.True(match.Success, $"parameter {parameter} with a default not found in eventsubscriptions.bicep");
        return match.Groups[1].Value;
    }

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot => Prefilter.DevServices.LocalPackages.RepositoryRoot;
}
