using Microsoft.Azure.Functions.Worker;
using Prefilter.DevServices.FunctionsHost;

namespace Prefilter.Functions.Tests.Hosting;

/// <summary>
/// The published worker, started as the host starts it, lists and loads its functions with the bindings the host
/// would register: the same names, triggers and settings as the attributes, and the names the Bicep wires up.
/// </summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class WorkerIndexingTests(FunctionsHostFixture fixture)
{
    [Fact]
    public void The_worker_indexes_and_loads_every_function_of_the_app() =>
        Assert.Equal(AppFunctions.ByName.Keys.Order(StringComparer.Ordinal), fixture.Host.Functions.Select(function => function.Name).Order(StringComparer.Ordinal));

    [Theory]
    [InlineData("scanFunctionName")]
    [InlineData("patternUploadFunctionName")]
    public void The_functions_the_event_subscriptions_call_take_Event_Grid_blob_events_as_model_binding_data(string bicepParameter)
    {
        var name = AppFunctions.EventSubscriptionDefault(bicepParameter);
        var function = Assert.Single(fixture.Host.Functions, function => function.Name == name);
        var expected = AppFunctions.Trigger<BlobTriggerAttribute>(AppFunctions.ByName[name]);
        var trigger = function.Trigger;
        Assert.Equal("blobTrigger", trigger.Type);
        Assert.Equal(expected.BlobPath, trigger.GetString("path"));
        Assert.Equal("EventGrid", trigger.GetString("source"));
        Assert.Equal(expected.Connection, trigger.GetString("connection"));

        // Without it the blob extension would send the blob's content, and the BlobClient parameter could not bind.
        Assert.True(trigger.SupportsDeferredBinding);
    }

    [Theory]
    [InlineData("HttpIngest")]
    [InlineData("Patterns")]
    [InlineData("Status")]
    public void Http_functions_are_routed_as_declared_and_answer_through_an_http_output(string name)
    {
        var expected = AppFunctions.Trigger<HttpTriggerAttribute>(AppFunctions.ByName[name]);
        var function = Assert.Single(fixture.Host.Functions, function => function.Name == name);
        var trigger = function.Trigger;
        Assert.Equal("httpTrigger", trigger.Type);
        Assert.Equal(expected.Route, trigger.GetString("route"));
        Assert.Equal(expected.Methods!, trigger.GetStrings("methods"));
        Assert.Equal(nameof(AuthorizationLevel.Function), trigger.GetString("authLevel"), ignoreCase: true);
        Assert.Contains(function.Bindings, binding => binding is { Name: "$return", Type: "http", Direction: "Out" });
    }

    [Fact]
    public void The_gate_function_takes_its_queue_message_as_model_binding_data()
    {
        // The name the template gives the gate's scale group (function:<name>) is the name the worker indexes.
        var name = AppFunctions.MainTemplateDefault("releaseGateFunctionName");
        var expected = AppFunctions.Trigger<QueueTriggerAttribute>(AppFunctions.ByName[name]);
        var trigger = Assert.Single(fixture.Host.Functions, function => function.Name == name).Trigger;
        Assert.Equal("queueTrigger", trigger.Type);
        Assert.Equal(expected.QueueName, trigger.GetString("queueName"));
        Assert.Equal(expected.Connection, trigger.GetString("connection"));

        // The QueueMessage parameter (with its dequeue count) binds only from the message the extension serializes.
        Assert.True(trigger.SupportsDeferredBinding);
    }

    [Theory]
    [InlineData("Reconciler")]
    [InlineData("Watchdog")]
    public void Timer_functions_keep_their_schedule(string name) =>
        Assert.Equal(
            AppFunctions.Trigger<TimerTriggerAttribute>(AppFunctions.ByName[name]).Schedule,
            Assert.Single(fixture.Host.Functions, function => function.Name == name).Trigger.GetString("schedule"));

    [Fact]
    public void The_worker_takes_HTTP_requests_itself_on_loopback()
    {
        // The ASP.NET Core integration reports the listener the host forwards requests to.
        var uri = Assert.IsType<Uri>(fixture.Host.WorkerHttpUri);
        Assert.True(uri.IsLoopback, $"{uri} is not a loopback address");
    }
}
