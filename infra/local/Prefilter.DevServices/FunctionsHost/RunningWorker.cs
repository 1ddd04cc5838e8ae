using System.Collections.Concurrent;
using System.Security.Cryptography;
using Google.Protobuf.WellKnownTypes;
using Prefilter.DevServices.FunctionsHost.Rpc;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// One worker process from start to stop, driven in the host's order: start the process, wait for its event stream,
/// <c>WorkerInitRequest</c>, <c>FunctionsMetadataRequest</c> (worker indexing), a <c>FunctionLoadRequest</c> per
/// function; then invocations. Every wait is bounded and also ends when the process exits.
/// </summary>
internal sealed class RunningWorker : IAsyncDisposable
{
    private const string HostVersion = "4.1000.0 (Prefilter host stand-in)";
    private const string HttpUriCapability = "HttpUri";
    private const string RequiresRouteParametersCapability = "RequiresRouteParameters";

    private readonly WorkerProcess process;
    private readonly WorkerChannel channel;
    private readonly ConcurrentDictionary<string, WorkerChannel> channels;
    private readonly FunctionsHostStandInOptions options;

    private RunningWorker(WorkerProcess process, WorkerChannel channel, ConcurrentDictionary<string, WorkerChannel> channels, FunctionsHostStandInOptions options)
    {
        this.process = process;
        this.channel = channel;
        this.channels = channels;
        this.options = options;
    }

    /// <summary>The functions the worker indexed and loaded.</summary>
    public IReadOnlyList<WorkerFunction> Functions { get; private set; } = [];

    /// <summary>Where the worker takes HTTP requests itself (the ASP.NET Core integration's <c>HttpUri</c>), or null.</summary>
    public Uri? HttpUri { get; private set; }

    /// <summary>Whether the worker wants route values in the invocation's HTTP data as well.</summary>
    public bool RequiresRouteParameters { get; private set; }

    /// <summary>The worker's log entries so far.</summary>
    public IReadOnlyList<WorkerLogEntry> Logs => channel.Logs;

    /// <summary>The worker process's latest output.</summary>
    public string Output => process.Output;

    /// <summary>Completes when the worker process exited.</summary>
    public Task Exited => process.Exited;

    /// <summary>Starts a worker and takes it through init, indexing and loading.</summary>
    /// <exception cref="FunctionsHostException">The worker exited, failed a step, or did not answer in time.</exception>
    public static async Task<RunningWorker> StartAsync(
        WorkerConfig config, Uri hostUri, ConcurrentDictionary<string, WorkerChannel> channels, FunctionsHostStandInOptions options, CancellationToken cancellationToken)
    {
        var workerId = Guid.NewGuid().ToString();
        var channel = new WorkerChannel(workerId);
        channels[workerId] = channel;
        WorkerProcess process;
        try
        {
            process = WorkerProcess.Start(config, options.AppDirectory, hostUri, workerId, Environment(config, options));
        }
        catch
        {
            channels.TryRemove(workerId, out _);
            throw;
        }

        var worker = new RunningWorker(process, channel, channels, options);
        try
        {
            await worker.InitializeAsync(cancellationToken).ConfigureAwait(false);
            return worker;
        }
        catch
        {
            await worker.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>Invokes a function and waits for its response.</summary>
    /// <param name="function">The function.</param>
    /// <param name="inputs">The trigger's (and inputs') data by binding name.</param>
    /// <param name="triggerMetadata">The trigger's metadata.</param>
    /// <param name="invocationId">The invocation id; a forwarded HTTP request carries the same.</param>
    /// <param name="cancellationToken">Stops waiting (the invocation is cancelled in the worker too).</param>
    /// <exception cref="FunctionsHostException">The worker exited or did not answer within the invocation timeout.</exception>
    public async Task<InvocationOutcome> InvokeAsync(
        WorkerFunction function, IReadOnlyDictionary<string, TypedData> inputs, IReadOnlyDictionary<string, TypedData> triggerMetadata, string invocationId, CancellationToken cancellationToken)
    {
        var request = new InvocationRequest
        {
            InvocationId = invocationId,
            FunctionId = function.FunctionId,
            TraceContext = new RpcTraceContext { TraceParent = NewTraceParent() },
        };
        request.InputData.Add(inputs.Select(input => new ParameterBinding { Name = input.Key, Data = input.Value }));
        foreach (var (name, value) in triggerMetadata)
        {
            request.TriggerMetadata[name] = value;
        }

        StreamingMessage response;
        try
        {
            response = await RequestAsync(
                new StreamingMessage { InvocationRequest = request }, $"invocation {invocationId} of {function.Name}", options.InvocationTimeout, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            channel.Send(new StreamingMessage { InvocationCancel = new InvocationCancel { InvocationId = invocationId } });
            throw;
        }

        var result = response.InvocationResponse.Result;
        return new InvocationOutcome(
            invocationId,
            result.Status == StatusResult.Types.Status.Success,
            result.Status == StatusResult.Types.Status.Success ? null : Describe(result),
            [.. channel.Logs.Where(log => log.InvocationId == invocationId)]);
    }

    /// <summary>Asks the worker to terminate and waits for it to exit, killing it after the grace period.</summary>
    public async Task StopAsync()
    {
        channel.Send(new StreamingMessage { WorkerTerminate = new WorkerTerminate { GracePeriod = Duration.FromTimeSpan(options.TerminateGracePeriod) } });
        await process.StopAsync(options.TerminateGracePeriod).ConfigureAwait(false);
    }

    /// <summary>Kills the worker process at once, as a crash would.</summary>
    public Task KillAsync() => process.KillAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await process.DisposeAsync().ConfigureAwait(false);
        channels.TryRemove(channel.WorkerId, out _);
    }

    private static Dictionary<string, string?> Environment(WorkerConfig config, FunctionsHostStandInOptions options)
    {
        var environment = new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["FUNCTIONS_WORKER_RUNTIME"] = config.Language,
            ["FUNCTIONS_WORKER_DIRECTORY"] = options.AppDirectory,
            ["FUNCTIONS_APPLICATION_DIRECTORY"] = options.AppDirectory,
        };
        foreach (var (name, value) in options.AppSettings)
        {
            // Linux app settings cannot hold ':' in a name; the platform and .NET configuration both use "__".
            environment[name.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        return environment;
    }

    private static string NewTraceParent() =>
        $"00-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16))}-{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}-01";

    private static string Describe(StatusResult result) =>
        result.Exception is { } exception
            ? $"{exception.Type}: {exception.Message}".TrimStart(':', ' ')
            : string.IsNullOrEmpty(result.Result) ? result.Status.ToString() : result.Result;

    private async Task InitializeAsync(CancellationToken cancellationToken)
    {
        await WaitAsync(channel.Opened, "open its event stream", options.StartupTimeout, cancellationToken).ConfigureAwait(false);

        var init = await RequestAsync(
            new StreamingMessage
            {
                WorkerInitRequest = new WorkerInitRequest
                {
                    HostVersion = HostVersion,
                    WorkerDirectory = options.AppDirectory,
                    FunctionAppDirectory = options.AppDirectory,
                },
            },
            "worker init",
            options.StartupTimeout,
            cancellationToken).ConfigureAwait(false);
        EnsureSucceeded(init.WorkerInitResponse.Result, "worker init");
        var capabilities = init.WorkerInitResponse.Capabilities;
        if (capabilities.TryGetValue(HttpUriCapability, out var httpUri))
        {
            HttpUri = Uri.TryCreate(httpUri, UriKind.Absolute, out var uri)
                ? uri
                : throw new FunctionsHostException($"worker init reported an HttpUri that is not an absolute URI: '{httpUri}'", process.Output);
        }

        RequiresRouteParameters = capabilities.ContainsKey(RequiresRouteParametersCapability);

        var metadata = await RequestAsync(
            new StreamingMessage { FunctionsMetadataRequest = new FunctionsMetadataRequest { FunctionAppDirectory = options.AppDirectory } },
            "function indexing",
            options.StartupTimeout,
            cancellationToken).ConfigureAwait(false);
        EnsureSucceeded(metadata.FunctionMetadataResponse.Result, "function indexing");
        if (metadata.FunctionMetadataResponse.UseDefaultMetadataIndexing)
        {
            throw new FunctionsHostException("the worker asked the host to index function.json files; the stand-in only takes worker indexing", process.Output);
        }

        var functions = new List<WorkerFunction>();
        foreach (var function in metadata.FunctionMetadataResponse.FunctionMetadataResults)
        {
            functions.Add(await LoadAsync(function, cancellationToken).ConfigureAwait(false));
        }

        Functions = functions;
        if (HttpUri is { } listener)
        {
            await WaitAsync(AcceptsConnectionsAsync(listener, cancellationToken), $"accept connections on its HttpUri {listener}", options.StartupTimeout, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task AcceptsConnectionsAsync(Uri listener, CancellationToken cancellationToken)
    {
        // The worker reports its HttpUri during init, before its listener necessarily runs; requests are forwarded
        // only once it accepts connections, so a slow start is not mistaken for a failed request.
        while (true)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                await client.ConnectAsync(listener.Host, listener.Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (System.Net.Sockets.SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private async Task<WorkerFunction> LoadAsync(RpcFunctionMetadata indexed, CancellationToken cancellationToken)
    {
        var bindings = indexed.RawBindings.Select(raw => WorkerBinding.Parse(raw, indexed.Name)).ToList();
        var request = new FunctionLoadRequest
        {
            FunctionId = indexed.FunctionId,
            Metadata = new RpcFunctionMetadata
            {
                Name = indexed.Name,
                FunctionId = indexed.FunctionId,
                Directory = indexed.Directory,
                ScriptFile = indexed.ScriptFile,
                EntryPoint = indexed.EntryPoint,
                Language = indexed.Language,
            },
        };
        foreach (var binding in bindings)
        {
            request.Metadata.Bindings[binding.Name] = ToBindingInfo(binding);
        }

        var what = $"loading function {indexed.Name}";
        var response = await RequestAsync(new StreamingMessage { FunctionLoadRequest = request }, what, options.StartupTimeout, cancellationToken).ConfigureAwait(false);
        EnsureSucceeded(response.FunctionLoadResponse.Result, what);
        return new WorkerFunction(indexed.Name, indexed.FunctionId, bindings);
    }

    private static BindingInfo ToBindingInfo(WorkerBinding binding) =>
        new()
        {
            Type = binding.Type,
            Direction = System.Enum.TryParse<BindingInfo.Types.Direction>(binding.Direction, ignoreCase: true, out var direction) ? direction : BindingInfo.Types.Direction.In,
            DataType = System.Enum.TryParse<BindingInfo.Types.DataType>(binding.GetString("dataType"), ignoreCase: true, out var dataType) ? dataType : BindingInfo.Types.DataType.Undefined,
        };

    private void EnsureSucceeded(StatusResult result, string what)
    {
        if (result.Status != StatusResult.Types.Status.Success)
        {
            throw new FunctionsHostException($"{what} failed: {Describe(result)}", process.Output);
        }
    }

    private async Task<StreamingMessage> RequestAsync(StreamingMessage request, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var response = channel.RequestAsync(request, stop.Token);
        try
        {
            await WaitAsync(response, $"answer {what}", timeout, cancellationToken).ConfigureAwait(false);
            return await response.ConfigureAwait(false);
        }
        catch (IOException exception)
        {
            await Task.WhenAny(process.Exited, Task.Delay(TimeSpan.FromSeconds(5), CancellationToken.None)).ConfigureAwait(false);
            throw new FunctionsHostException($"the worker closed its event stream before it could {what}{ExitNote()}", process.Output, exception);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task WaitAsync(Task task, string what, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var first = await Task.WhenAny(task, process.Exited, Task.Delay(timeout, cancellationToken)).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        if (first == task)
        {
            return;
        }

        if (first == process.Exited && !task.IsCompleted)
        {
            throw new FunctionsHostException($"the worker exited with code {process.ExitCode} before it could {what}", process.Output);
        }

        if (!task.IsCompleted)
        {
            throw new FunctionsHostException($"the worker did not {what} within {timeout}", process.Output);
        }
    }

    private string ExitNote() => process.Exited.IsCompleted ? $" (it exited with code {process.ExitCode})" : "";
}
