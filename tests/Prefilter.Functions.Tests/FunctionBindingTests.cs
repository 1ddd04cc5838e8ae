using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Prefilter.Functions.Tests;

/// <summary>The trigger attributes the host reads; a wrong one deploys fine and then never fires.</summary>
public sealed class FunctionBindingTests
{
    private static readonly IReadOnlyDictionary<string, MethodInfo> Functions = AppFunctions.ByName;

    [Fact]
    public void The_app_has_exactly_the_expected_functions() =>
        Assert.Equal(
            ["HttpIngest", "Patterns", "PublishUploadedPatternSet", "Reconciler", "RunReleaseGate", "ScanMail", "Status", "Watchdog"],
            Functions.Keys.Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("scanFunctionName", "incoming/{name}")]
    [InlineData("patternUploadFunctionName", "patterns/uploads/{name}")]
    public void Blob_triggers_use_the_Event_Grid_source_under_the_names_the_event_subscriptions_call(string bicepParameter, string path)
    {
        // The subscription's webhook names the function; a renamed function would silently get no events.
        var name = BicepDefault(bicepParameter);
        Assert.True(Functions.TryGetValue(name, out var method), $"no function named {name} (infra/modules/eventsubscriptions.bicep)");
        var trigger = Trigger<BlobTriggerAttribute>(method!);
        Assert.Equal(path, trigger.BlobPath);
        Assert.Equal(BlobTriggerSource.EventGrid, trigger.Source);
        Assert.Equal("Storage", trigger.Connection);
    }

    [Fact]
    public void Main_bicep_passes_the_same_function_names_as_the_module_defaults()
    {
        var main = File.ReadAllText(Path.Combine(RepositoryRoot(), "infra", "main.bicep"));
        Assert.Matches(@"param scanFunctionName string = 'ScanMail'", main);
        Assert.Matches(@"param patternUploadFunctionName string = 'PublishUploadedPatternSet'", main);
    }

    [Fact]
    public void The_gate_runs_from_the_release_gate_queue_of_the_data_account_in_a_scale_group_the_infra_names()
    {
        var trigger = Trigger<QueueTriggerAttribute>(Functions["RunReleaseGate"]);
        Assert.Equal("release-gate", trigger.QueueName);
        Assert.Equal("Storage", trigger.Connection);
        Assert.Equal(typeof(Azure.Storage.Queues.Models.QueueMessage), Functions["RunReleaseGate"].GetParameters()[0].ParameterType);

        // The queue must exist with the app's role on it, and the function runs in a scale group of its own.
        var infra = string.Join("\n", Directory.GetFiles(Path.Combine(RepositoryRoot(), "infra"), "*.bicep", SearchOption.AllDirectories).Select(File.ReadAllText));
        Assert.Contains("'release-gate'", infra, StringComparison.Ordinal);
        Assert.Contains("param releaseGateFunctionName string = 'RunReleaseGate'", infra, StringComparison.Ordinal);
        Assert.Contains("'function:${releaseGateFunctionName}'", infra, StringComparison.Ordinal);
    }

    [Fact]
    public void The_gate_marks_its_release_failed_before_the_queue_would_move_the_message_to_the_poison_queue()
    {
        using var host = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot(), "host.json")));
        var queues = host.RootElement.GetProperty("extensions").GetProperty("queues");

        // One gate run per delivery, and the last delivery only records the failure.
        Assert.Equal(1, queues.GetProperty("batchSize").GetInt32());
        Assert.Equal(new Prefilter.Pipeline.Release.ReleaseOptions().MaxGateAttempts + 1, queues.GetProperty("maxDequeueCount").GetInt32());
    }

    [Theory]
    [InlineData("HttpIngest", "mail", new[] { "post" })]
    [InlineData("Patterns", "patterns/{*rest}", new[] { "get", "post", "put", "patch", "delete" })]
    [InlineData("Status", "status", new[] { "get", "post", "put", "patch", "delete" })]
    public void Http_functions_need_a_function_key(string name, string route, string[] methods)
    {
        var trigger = Trigger<HttpTriggerAttribute>(Functions[name]);
        Assert.Equal(AuthorizationLevel.Function, trigger.AuthLevel);
        Assert.Equal(route, trigger.Route);
        Assert.Equal(methods, trigger.Methods);
    }

    [Theory]
    [InlineData("Reconciler", "0 */5 * * * *")]
    [InlineData("Watchdog", "0 * * * * *")]
    public void Timer_functions_have_their_schedule(string name, string schedule) =>
        Assert.Equal(schedule, Trigger<TimerTriggerAttribute>(Functions[name]).Schedule);

    [Fact]
    public void Every_function_takes_a_cancellation_token_last() =>
        Assert.All(Functions.Values, method => Assert.Equal(typeof(CancellationToken), method.GetParameters()[^1].ParameterType));

    private static T Trigger<T>(MethodInfo method)
        where T : Attribute => AppFunctions.Trigger<T>(method);

    private static string BicepDefault(string parameter) => AppFunctions.EventSubscriptionDefault(parameter);

    private static string RepositoryRoot() => AppFunctions.RepositoryRoot;
}
