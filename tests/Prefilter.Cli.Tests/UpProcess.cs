using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace Prefilter.Cli.Tests;

/// <summary>
/// <c>prefilter up</c> as its own process: the CLI built beside the tests, with its console read line by line.
/// Disposing kills what is left of it (its whole process tree), so a failed test leaves nothing running.
/// </summary>
internal sealed partial class UpProcess : IAsyncDisposable
{
    /// <summary>Tests that start <c>prefilter up</c> processes run one at a time: each starts a whole stack.</summary>
    public const string CollectionName = "up process";

    /// <summary>SIGKILL.</summary>
    public const int SigKill = 9;

    /// <summary>SIGTERM.</summary>
    public const int SigTerm = 15;

    /// <summary>SIGSTOP: the process pauses until SIGCONT and handles no other signal meanwhile (SIGKILL still ends it).</summary>
    public const int SigStop = 19;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(3);

    private readonly Process process;
    private readonly List<string> output = [];
    private readonly List<string> errors = [];
    private readonly Task pump;

    private UpProcess(Process process)
    {
        this.process = process;
        pump = Task.WhenAll(PumpAsync(process.StandardOutput, output), PumpAsync(process.StandardError, errors));
    }

    /// <summary>The process id.</summary>
    public int Id => process.Id;

    /// <summary>The SMTP ingress it printed.</summary>
    public (string Host, int Port) SmtpIngress { get; private set; }

    /// <summary>Its standard output so far.</summary>
    public IReadOnlyList<string> Output => Snapshot(output);

    /// <summary>Its standard error so far.</summary>
    public IReadOnlyList<string> Errors => Snapshot(errors);

    /// <summary>Starts <c>prefilter up</c> with <paramref name="arguments"/> and waits until it says it is up.</summary>
    public static async Task<UpProcess> StartAsync(params string[] arguments)
    {
        var up = Launch(arguments);
        try
        {
            await up.WaitForOutputAsync(line => line.StartsWith("prefilter is up", StringComparison.Ordinal), StartTimeout);
            var ingress = await up.WaitForOutputAsync(line => SmtpIngressLine().IsMatch(line), TimeSpan.FromSeconds(10));
            var match = SmtpIngressLine().Match(ingress);
            up.SmtpIngress = (match.Groups["host"].Value, int.Parse(match.Groups["port"].Value, System.Globalization.CultureInfo.InvariantCulture));
            return up;
        }
        catch
        {
            await up.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts <c>prefilter up</c> without waiting for anything.</summary>
    public static UpProcess Launch(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "prefilter"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("up");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return new UpProcess(Process.Start(start) ?? throw new InvalidOperationException("could not start prefilter"));
    }

    /// <summary>Waits for a line on standard output.</summary>
    public Task<string> WaitForOutputAsync(Func<string, bool> condition, TimeSpan timeout) => WaitForLineAsync(output, condition, timeout);

    /// <summary>Waits for a line on standard error.</summary>
    public Task<string> WaitForErrorAsync(Func<string, bool> condition, TimeSpan timeout) => WaitForLineAsync(errors, condition, timeout);

    /// <summary>The ids of the processes it started (Azurite's node), read from <c>/proc</c>.</summary>
    public IReadOnlyList<int> ChildProcessIds()
    {
        var children = Path.Combine("/proc", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "task", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), "children");
        return [.. File.ReadAllText(children).Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(int.Parse)];
    }

    /// <summary>SIGKILL to this process alone, as <c>kill -9 PID</c> does; returns when it has exited.</summary>
    public async Task KillAsync()
    {
        process.Kill(entireProcessTree: false);
        await process.WaitForExitAsync();
    }

    /// <summary>SIGTERM, as a service manager or <c>kill PID</c> sends; returns the exit code once the output is read.</summary>
    public async Task<int> TerminateAsync(TimeSpan timeout)
    {
        Assert.Equal(0, SendSignal(process.Id, SigTerm));
        return await WaitForExitAsync(timeout);
    }

    /// <summary>Waits until it exits by itself; returns the exit code once the output is read.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await process.WaitForExitAsync(cancellation.Token);
        await pump;
        return process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        await pump;
        process.Dispose();
    }

    /// <summary>True while a process with the id runs.</summary>
    public static bool IsRunning(int processId)
    {
        try
        {
            using var running = Process.GetProcessById(processId);
            return !running.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private async Task<string> WaitForLineAsync(List<string> lines, Func<string, bool> condition, TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        while (true)
        {
            if (Snapshot(lines).FirstOrDefault(condition) is { } line)
            {
                return line;
            }

            if (process.HasExited)
            {
                await pump;
                if (Snapshot(lines).FirstOrDefault(condition) is { } last)
                {
                    return last;
                }

                throw new InvalidOperationException($"prefilter up exited with code {process.ExitCode} before the line was written:\n{string.Join('\n', Errors)}");
            }

            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellation.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"prefilter up did not write the line within {timeout}:\n{string.Join('\n', Errors)}\n{string.Join('\n', Output.TakeLast(20))}");
            }
        }
    }

    private static async Task PumpAsync(StreamReader reader, List<string> lines)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (lines)
            {
                lines.Add(line);
            }
        }
    }

    private static List<string> Snapshot(List<string> lines)
    {
        lock (lines)
        {
            return [.. lines];
        }
    }

    /// <summary>Sends a signal to a process; 0 when it was sent.</summary>
    [DllImport("libc", EntryPoint = "kill")]
    public static extern int SendSignal(int pid, int signal);

    [GeneratedRegex(@"SMTP ingress\s+smtp://(?<host>[0-9.]+):(?<port>\d+)")]
    private static partial Regex SmtpIngressLine();
}
