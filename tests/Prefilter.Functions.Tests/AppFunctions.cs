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
    public static string EventSubscriptionDefault(string parameter) => BicepDefault(Path.Combine("modules", "eventsubscriptions.bicep"), parameter);

    /// <summary>The default of a string parameter of <c>infra/main.bicep</c>, such as the release gate's function name.</summary>
    /// <param name="parameter">The parameter.</param>
    public static string MainTemplateDefault(string parameter) => BicepDefault("main.bicep", parameter);

    private static string BicepDefault(string file, string parameter)
    {
        var template = File.ReadAllText(Path.Combine(RepositoryRoot, "infra", file));
        var match = Regex.Match(template, $@"param {Regex.Escape(parameter)} string = '([^']+)'");
        Assert.True(match.Success, $"parameter {parameter} with a default not found in {file}");
        return match.Groups[1].Value;
    }

    /// <summary>The repository root.</summary>
    public static string RepositoryRoot => Prefilter.DevServices.LocalPackages.RepositoryRoot;
}
