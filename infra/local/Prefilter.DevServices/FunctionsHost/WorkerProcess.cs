using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// One worker process, started as the Functions host starts a language worker: the executable and worker assembly of
/// <c>worker.config.json</c>, in the app directory, with the host's arguments (its gRPC address, the worker id, a
/// request id and the message size limit, each under the old and the <c>functions-</c> prefixed name) and the app
/// settings as environment variables.
/// </summary>
internal sealed class WorkerProcess : IAsyncDisposable
{
    // The host's limit (RpcWorkerConstants.DefaultMaxMessageLengthBytes): no practical limit.
    private const int MaxMessageLength = int.MaxValue;
    private const int OutputLimit = 64 * 1024;
    private static readonly TimeSpan OutputDrainTimeout = TimeSpan.FromSeconds(2);

    private readonly Process process;
    private readonly StringBuilder output = new();
    private readonly Task pump;
    private int exitCode;

    private WorkerProcess(Process process, string workerId)
    {
        this.process = process;
        WorkerId = workerId;
        pump = Task.WhenAll(PumpAsync(process.StandardOutput), PumpAsync(process.StandardError));
        Exited = WaitForExitAsync();
    }

    /// <summary>The id the worker was started with; it names itself by it in <c>StartStream</c>.</summary>
    public string WorkerId { get; }

    /// <summary>The process id.</summary>
    public int Id => process.Id;

    /// <summary>Completes when the process has exited.</summary>
    public Task Exited { get; }

    /// <summary>The exit code; only meaningful once <see cref="Exited"/> completed.</summary>
    public int ExitCode => Volatile.Read(ref exitCode);

    /// <summary>The latest standard output and error, interleaved as they arrived (at most 64 KiB).</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }

    /// <summary>Starts the worker.</summary>
    /// <param name="config">The app's worker.config.json.</param>
    /// <param name="appDirectory">The published app: working directory, worker directory and script root.</param>
    /// <param name="hostUri">The stand-in's gRPC address.</param>
    /// <param name="workerId">A fresh id for this process.</param>
    /// <param name="environment">Variables to set on top of the stand-in's own; a null value removes one.</param>
    /// <exception cref="FunctionsHostException">The executable could not be started.</exception>
    public static WorkerProcess Start(WorkerConfig config, string appDirectory, Uri hostUri, string workerId, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(config.ExecutablePath)
        {
            WorkingDirectory = appDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
        };
        start.ArgumentList.Add(config.WorkerPath);
        var requestId = Guid.NewGuid().ToString();
        var maxLength = MaxMessageLength.ToString(CultureInfo.InvariantCulture);
        foreach (var (name, value) in new[]
        {
            ("--host", hostUri.Host), ("--port", hostUri.Port.ToString(CultureInfo.InvariantCulture)), ("--workerId", workerId),
            ("--requestId", requestId), ("--grpcMaxMessageLength", maxLength), ("--functions-uri", hostUri.AbsoluteUri),
            ("--functions-worker-id", workerId), ("--functions-request-id", requestId), ("--functions-grpc-max-message-length", maxLength),
        })
        {
            start.ArgumentList.Add(name);
            start.ArgumentList.Add(value);
        }

        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        try
        {
            var process = Process.Start(start) ?? throw new FunctionsHostException($"could not start {config.ExecutablePath}", "");
            return new WorkerProcess(process, workerId);
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new FunctionsHostException($"could not start {config.ExecutablePath} {config.WorkerPath} in {appDirectory}", "", exception);
        }
    }

    /// <summary>Kills the process tree at once, as a crash or a host recycling a stuck worker would.</summary>
    public async Task KillAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await Exited.ConfigureAwait(false);
    }

    /// <summary>Waits for the process to exit on its own for up to <paramref name="grace"/>, then kills it.</summary>
    /// <param name="grace">How long a worker that was told to terminate gets.</param>
    public async Task StopAsync(TimeSpan grace)
    {
        if (await Task.WhenAny(Exited, Task.Delay(grace)).ConfigureAwait(false) != Exited)
        {
            await KillAsync().ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        await pump.ConfigureAwait(false);
        process.Dispose();
    }

    private async Task WaitForExitAsync()
    {
        await process.WaitForExitAsync().ConfigureAwait(false);

        // Kept here: the process object may be disposed while others still report how the worker ended.
        Volatile.Write(ref exitCode, process.ExitCode);

        // The last lines, which say why a worker exited, may still be in the pipes; a child process that inherited
        // them could hold them open, so the wait is short.
        await Task.WhenAny(pump, Task.Delay(OutputDrainTimeout)).ConfigureAwait(false);
    }

    private async Task PumpAsync(StreamReader reader)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            lock (output)
            {
                if (output.Length > OutputLimit)
                {
                    output.Remove(0, output.Length / 2);
                }

                output.AppendLine(line);
            }
        }
    }
}
