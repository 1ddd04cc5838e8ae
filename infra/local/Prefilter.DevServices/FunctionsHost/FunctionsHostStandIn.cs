using System.Collections.Concurrent;
using System.Net;
using Azure.Storage.Queues;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Prefilter.DevServices.FunctionsHost.Rpc;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// A stand-in for the Azure Functions host, for tests: it serves the language-worker protocol
/// (<c>FunctionRpc.EventStream</c>) on 127.0.0.1, starts a published isolated worker as the host does, takes it through
/// init, indexing and loading, and invokes its functions as the host's extensions would: blob triggers from a
/// BlobCreated event (Event Grid source), queue triggers from the messages on their Storage queue, timers on request,
/// HTTP requests forwarded to the worker's own listener.
/// </summary>
/// <remarks>
/// What it does not do, because only the platform does: scale out, Event Grid's own delivery and retries, function
/// keys and identity, the timer's schedule and its monitor, retries of a failed blob or timer invocation, polling a queue
/// on its own (a test asks for each poll). One worker process at a time.
/// </remarks>
public sealed class FunctionsHostStandIn : IAsyncDisposable
{
    private const string InvocationIdHeader = "x-ms-invocation-id";

    private readonly WebApplication server;
    private readonly ConcurrentDictionary<string, WorkerChannel> channels;
    private readonly FunctionsHostStandInOptions options;
    private readonly WorkerConfig config;
    private readonly QueueExtensionSettings queueSettings;
    private readonly HttpClient http;
    private RunningWorker? worker;
    private int disposed;

    private FunctionsHostStandIn(WebApplication server, ConcurrentDictionary<string, WorkerChannel> channels, FunctionsHostStandInOptions options, WorkerConfig config, Uri address)
    {
        this.server = server;
        this.channels = channels;
        this.options = options;
        this.config = config;
        queueSettings = QueueExtensionSettings.Read(options.AppDirectory);
        Address = address;
        http = new HttpClient(new ForwardingRetryHandler()) { Timeout = options.InvocationTimeout };
    }

    /// <summary>The gRPC address the worker connects to (<c>--functions-uri</c>).</summary>
    public Uri Address { get; }

    /// <summary>Whether a worker was started and not killed since.</summary>
    public bool IsWorkerRunning => worker is not null;

    /// <summary>The functions the running worker indexed and loaded.</summary>
    public IReadOnlyList<WorkerFunction> Functions => Worker.Functions;

    /// <summary>Where the running worker takes HTTP requests itself, or null when it reported no <c>HttpUri</c>.</summary>
    public Uri? WorkerHttpUri => Worker.HttpUri;

    /// <summary>The running worker's log entries so far (what it sent as <c>RpcLog</c>).</summary>
    public IReadOnlyList<WorkerLogEntry> Logs => Worker.Logs;

    /// <summary>The running worker process's latest standard output and error.</summary>
    public string WorkerOutput => Worker.Output;

    private RunningWorker Worker => worker ?? throw new InvalidOperationException("no worker is running");

    /// <summary>Starts the gRPC server and a worker, and returns once every function is loaded.</summary>
    /// <param name="options">The published app, its settings and the waits.</param>
    /// <param name="cancellationToken">Stops the start.</param>
    /// <exception cref="FileNotFoundException">The app directory holds no worker.config.json.</exception>
    /// <exception cref="FunctionsHostException">
    /// The worker exited, reported a failed init, indexing or load, or did not answer within
    /// <see cref="FunctionsHostStandInOptions.StartupTimeout"/>; the message holds the worker's error and output.
    /// </exception>
    public static async Task<FunctionsHostStandIn> StartAsync(FunctionsHostStandInOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var config = WorkerConfig.Read(options.AppDirectory);
        var channels = new ConcurrentDictionary<string, WorkerChannel>(StringComparer.Ordinal);
        var server = await StartServerAsync(channels, cancellationToken).ConfigureAwait(false);
        var address = new Uri(server.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single());
        var host = new FunctionsHostStandIn(server, channels, options, config, address);
        try
        {
            await host.StartWorkerAsync(cancellationToken).ConfigureAwait(false);
            return host;
        }
        catch
        {
            await host.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Starts a new worker process when none runs (after <see cref="KillWorkerAsync"/>), through init and loading.</summary>
    /// <param name="cancellationToken">Stops the start.</param>
    /// <exception cref="InvalidOperationException">A worker is running.</exception>
    /// <exception cref="FunctionsHostException">As for <see cref="StartAsync"/>.</exception>
    public async Task StartWorkerAsync(CancellationToken cancellationToken = default)
    {
        if (worker is not null)
        {
            throw new InvalidOperationException("a worker is running; kill it first");
        }

        worker = await RunningWorker.StartAsync(config, Address, channels, options, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Kills the worker process at once, as a crash or an instance being taken away would, mid-invocation or not.</summary>
    public async Task KillWorkerAsync()
    {
        if (Interlocked.Exchange(ref worker, null) is { } running)
        {
            await running.KillAsync().ConfigureAwait(false);
            await running.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Delivers a BlobCreated event as Event Grid delivers it to the blob extension: every function with a blob trigger
    /// of source <c>EventGrid</c> whose path matches the blob is invoked with the model-binding data the extension
    /// sends, from which the worker's converter builds the blob client.
    /// </summary>
    /// <param name="containerName">The blob's container.</param>
    /// <param name="blobName">The blob's name in it.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>One outcome per function invoked; empty when no trigger matches.</returns>
    /// <exception cref="NotSupportedException">A matching trigger does not take deferred binding (it would need the content).</exception>
    /// <exception cref="FunctionsHostException">The worker exited or did not answer within the invocation timeout.</exception>
    public async Task<IReadOnlyList<InvocationOutcome>> DeliverBlobCreatedAsync(string containerName, string blobName, CancellationToken cancellationToken = default)
    {
        var running = Worker;
        var outcomes = new List<InvocationOutcome>();
        foreach (var function in running.Functions.Where(function => function.Bindings.Any(IsEventGridBlobTrigger)))
        {
            var trigger = function.Trigger;
            if (BlobTriggerPath.Parse(trigger.GetString("path") ?? "").Match(containerName, blobName) is not { } parameters)
            {
                continue;
            }

            if (!trigger.SupportsDeferredBinding)
            {
                throw new NotSupportedException($"function {function.Name} binds its blob as content; the stand-in sends blobs as model-binding data only (bind BlobClient)");
            }

            var metadata = new Dictionary<string, TypedData>(StringComparer.Ordinal) { ["BlobTrigger"] = BindingData.Text($"{containerName}/{blobName}") };
            foreach (var (name, value) in parameters)
            {
                metadata[name] = BindingData.Text(value);
            }

            var connection = trigger.GetString("connection") ?? "AzureWebJobsStorage";
            var inputs = new Dictionary<string, TypedData>(StringComparer.Ordinal) { [trigger.Name] = BindingData.Blob(connection, containerName, blobName) };
            outcomes.Add(await running.InvokeAsync(function, inputs, metadata, NewInvocationId(), cancellationToken).ConfigureAwait(false));
        }

        return outcomes;
    }

    /// <summary>
    /// Polls the Storage queue a queue-triggered function names, as the queue extension's listener does on one poll,
    /// and invokes the function for each visible message, one at a time, with the model-binding data and trigger
    /// metadata the extension sends (the worker's converter builds the <c>QueueMessage</c>). A message is deleted when
    /// its invocation succeeds; when it fails it stays invisible for host.json's <c>visibilityTimeout</c>, and after
    /// <c>maxDequeueCount</c> deliveries it moves to <c>{queue}-poison</c>, as the extension does.
    /// </summary>
    /// <param name="functionName">The queue-triggered function.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>One outcome per message delivered; empty when the queue had none visible.</returns>
    /// <exception cref="ArgumentException">No such function, or its trigger is not a queue trigger.</exception>
    /// <exception cref="NotSupportedException">The trigger does not take deferred binding, or its connection setting is not a connection string.</exception>
    /// <exception cref="FunctionsHostException">The worker exited or did not answer within the invocation timeout.</exception>
    public async Task<IReadOnlyList<InvocationOutcome>> DeliverQueueMessagesAsync(string functionName, CancellationToken cancellationToken = default)
    {
        var running = Worker;
        var function = running.Functions.FirstOrDefault(function => function.Name == functionName)
            ?? throw new ArgumentException($"the worker has no function {functionName}", nameof(functionName));
        var trigger = function.Trigger;
        if (!string.Equals(trigger.Type, "queueTrigger", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"function {functionName} is triggered by {trigger.Type}, not a queue", nameof(functionName));
        }

        if (!trigger.SupportsDeferredBinding)
        {
            throw new NotSupportedException($"function {functionName} binds its message as content; the stand-in sends queue messages as model-binding data only (bind QueueMessage)");
        }

        var connection = trigger.GetString("connection") ?? "AzureWebJobsStorage";
        if (!options.AppSettings.TryGetValue(connection, out var connectionString) || string.IsNullOrWhiteSpace(connectionString))
        {
            throw new NotSupportedException($"function {functionName}: the stand-in reads queues through a connection string in app setting '{connection}'");
        }

        // Base64, the queue extension's default message encoding.
        var clientOptions = new QueueClientOptions { MessageEncoding = QueueMessageEncoding.Base64 };
        var queueName = trigger.GetString("queueName") ?? throw new ArgumentException($"function {functionName} names no queue", nameof(functionName));
        var queue = new QueueClient(connectionString, queueName, clientOptions);
        await queue.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        var outcomes = new List<InvocationOutcome>();
        while ((await queue.ReceiveMessageAsync(options.InvocationTimeout, cancellationToken).ConfigureAwait(false)).Value is { } message)
        {
            var inputs = new Dictionary<string, TypedData>(StringComparer.Ordinal) { [trigger.Name] = BindingData.QueueMessage(message) };
            var outcome = await running.InvokeAsync(function, inputs, BindingData.QueueMetadata(message), NewInvocationId(), cancellationToken).ConfigureAwait(false);
            outcomes.Add(outcome);
            if (!outcome.Succeeded && message.DequeueCount < queueSettings.MaxDequeueCount)
            {
                await queue.UpdateMessageAsync(message.MessageId, message.PopReceipt, message.MessageText, queueSettings.VisibilityTimeout, cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (!outcome.Succeeded)
            {
                var poison = new QueueClient(connectionString, queueName + "-poison", clientOptions);
                await poison.CreateIfNotExistsAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                await poison.SendMessageAsync(message.MessageText, cancellationToken).ConfigureAwait(false);
            }

            await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, cancellationToken).ConfigureAwait(false);
        }

        return outcomes;
    }

    /// <summary>Fires a timer function once, with the timer extension's payload.</summary>
    /// <param name="functionName">The function.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <exception cref="ArgumentException">No such function, or its trigger is not a timer.</exception>
    /// <exception cref="FunctionsHostException">The worker exited or did not answer within the invocation timeout.</exception>
    public Task<InvocationOutcome> InvokeTimerAsync(string functionName, CancellationToken cancellationToken = default)
    {
        var running = Worker;
        var function = running.Functions.FirstOrDefault(function => function.Name == functionName)
            ?? throw new ArgumentException($"the worker has no function {functionName}", nameof(functionName));
        var trigger = function.Trigger;
        if (!string.Equals(trigger.Type, "timerTrigger", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"function {functionName} is triggered by {trigger.Type}, not a timer", nameof(functionName));
        }

        var inputs = new Dictionary<string, TypedData>(StringComparer.Ordinal) { [trigger.Name] = BindingData.Timer(isPastDue: false) };
        return running.InvokeAsync(function, inputs, new Dictionary<string, TypedData>(), NewInvocationId(), cancellationToken);
    }

    /// <summary>
    /// Takes an HTTP request as the host's front door does: finds the HTTP-triggered function whose route (under
    /// <c>/api</c>) and methods take it, forwards the request to the worker's own listener with the invocation id in
    /// <c>x-ms-invocation-id</c>, and invokes the function. Function keys are not checked.
    /// </summary>
    /// <param name="request">The request; its URI's path and query are used (a relative URI will do).</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>
    /// The worker's response; 404 when no route matches; 500 with no body when the invocation failed, as the host
    /// answers (the worker's error is in <see cref="Logs"/>).
    /// </returns>
    /// <exception cref="InvalidOperationException">The worker reported no <c>HttpUri</c> (not the ASP.NET Core integration).</exception>
    /// <exception cref="FunctionsHostException">The worker exited, did not answer within the invocation timeout, or its listener could not be reached.</exception>
    public async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var running = Worker;
        var target = request.RequestUri ?? throw new ArgumentException("the request has no URI", nameof(request));
        var pathAndQuery = target.IsAbsoluteUri ? target.PathAndQuery : target.OriginalString;
        var path = pathAndQuery.Split('?', 2)[0];
        var route = running.Functions
            .Where(function => function.Bindings.Any(binding => string.Equals(binding.Type, "httpTrigger", StringComparison.OrdinalIgnoreCase)))
            .Select(function => (function, values: HttpRoute.Parse(function.Trigger.GetString("route") ?? function.Name, function.Trigger.GetStrings("methods")).Match(request.Method.Method, path)))
            .FirstOrDefault(candidate => candidate.values is not null);
        if (route.function is null)
        {
            return new HttpResponseMessage(HttpStatusCode.NotFound) { RequestMessage = request };
        }

        var httpUri = running.HttpUri ?? throw new InvalidOperationException("the worker reported no HttpUri: the stand-in forwards HTTP only to the ASP.NET Core integration");
        var invocationId = NewInvocationId();
        using var forwarded = new HttpRequestMessage(request.Method, new Uri(httpUri, pathAndQuery)) { Content = request.Content, Version = request.Version };
        foreach (var (name, values) in request.Headers)
        {
            forwarded.Headers.TryAddWithoutValidation(name, values);
        }

        forwarded.Headers.TryAddWithoutValidation(InvocationIdHeader, invocationId);

        // The host starts forwarding before it sends the invocation, so the worker's HTTP side is waiting when the
        // function runs. Whichever fails first ends the other.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var forwarding = http.SendAsync(forwarded, stop.Token);
        var rpcHttp = new RpcHttp();
        if (running.RequiresRouteParameters)
        {
            foreach (var (name, value) in route.values!)
            {
                rpcHttp.Params[name] = value;
            }
        }

        var inputs = new Dictionary<string, TypedData>(StringComparer.Ordinal) { [route.function.Trigger.Name] = new TypedData { Http = rpcHttp } };
        var invocation = running.InvokeAsync(route.function, inputs, new Dictionary<string, TypedData>(), invocationId, stop.Token);
        if (await Task.WhenAny(invocation, forwarding).ConfigureAwait(false) == forwarding && forwarding.IsFaulted)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await Task.WhenAny(invocation).ConfigureAwait(false);
            throw new FunctionsHostException(
                $"could not forward {request.Method} {path} to the worker's listener at {httpUri}; invocation {invocationId} of {route.function.Name} was cancelled",
                running.Output,
                forwarding.Exception!.InnerException);
        }

        InvocationOutcome outcome;
        try
        {
            outcome = await invocation.ConfigureAwait(false);
        }
        catch
        {
            // Not awaited: a request body the caller is still writing need not honour the cancellation.
            await stop.CancelAsync().ConfigureAwait(false);
            _ = forwarding.ContinueWith(static task => task.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
            throw;
        }

        var response = await forwarding.ConfigureAwait(false);
        if (outcome.Succeeded)
        {
            return response;
        }

        response.Dispose();
        return new HttpResponseMessage(HttpStatusCode.InternalServerError) { RequestMessage = request };
    }

    /// <summary>Asks the worker to terminate (killing it after the grace period) and stops the server.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        if (Interlocked.Exchange(ref worker, null) is { } running)
        {
            await running.StopAsync().ConfigureAwait(false);
            await running.DisposeAsync().ConfigureAwait(false);
        }

        http.Dispose();
        await server.StopAsync().ConfigureAwait(false);
        await server.DisposeAsync().ConfigureAwait(false);
    }

    private static bool IsEventGridBlobTrigger(WorkerBinding binding) =>
        string.Equals(binding.Type, "blobTrigger", StringComparison.OrdinalIgnoreCase)
        && string.Equals(binding.GetString("source"), "EventGrid", StringComparison.OrdinalIgnoreCase);

    private static string NewInvocationId() => Guid.NewGuid().ToString();

    private static async Task<WebApplication> StartServerAsync(ConcurrentDictionary<string, WorkerChannel> channels, CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel =>
            kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Services.AddLogging();
        builder.Services.AddRouting();
        builder.Services.AddGrpc(grpc =>
        {
            // The host sets no practical limit either (the worker is told int.MaxValue).
            grpc.MaxReceiveMessageSize = null;
            grpc.MaxSendMessageSize = null;
        });
        builder.Services.AddSingleton(channels);
        var app = builder.Build();
        app.MapGrpcService<EventStreamService>();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        return app;
    }
}
