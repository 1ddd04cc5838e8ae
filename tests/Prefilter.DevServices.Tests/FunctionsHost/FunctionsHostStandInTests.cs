using System.Diagnostics;
using Prefilter.DevServices.FunctionsHost;

namespace Prefilter.DevServices.Tests.FunctionsHost;

/// <summary>
/// The stand-in's start against workers that misbehave (stand-in programs, not the function app, which
/// tests/Prefilter.Functions.Tests runs): it never hangs, and it leaves no process behind.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class FunctionsHostStandInTests : IDisposable
{
    private readonly string appDirectory = Directory.CreateTempSubdirectory("prefilter-standin-").FullName;

    [Fact]
    public async Task A_worker_that_never_opens_its_stream_fails_the_start_after_the_startup_timeout_and_is_killed()
    {
        var pidFile = Path.Combine(appDirectory, "worker.pid");
        WriteWorker($"echo $$ > '{pidFile}'\nexec sleep 600");
        var options = new FunctionsHostStandInOptions { AppDirectory = appDirectory, StartupTimeout = TimeSpan.FromSeconds(2) };

        var error = await Assert.ThrowsAsync<FunctionsHostException>(async () => await FunctionsHostStandIn.StartAsync(options));

        Assert.Contains("did not open its event stream within 00:00:02", error.Message, StringComparison.Ordinal);
        Assert.True(HasExited(int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public async Task A_worker_that_exits_at_once_fails_the_start_with_its_exit_code_and_output()
    {
        WriteWorker("echo 'Unhandled exception. System.InvalidOperationException: no Storage configured' >&2\nexit 3");
        var options = new FunctionsHostStandInOptions { AppDirectory = appDirectory };

        var error = await Assert.ThrowsAsync<FunctionsHostException>(async () => await FunctionsHostStandIn.StartAsync(options));

        Assert.Contains("exited with code 3 before it could open its event stream", error.Message, StringComparison.Ordinal);
        Assert.Contains("no Storage configured", error.WorkerOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_worker_gets_the_hosts_arguments_and_the_app_settings_as_environment_variables()
    {
        var seen = Path.Combine(appDirectory, "seen.txt");
        WriteWorker($"{{ echo \"$@\"; echo \"runtime=$FUNCTIONS_WORKER_RUNTIME\"; echo \"app=$FUNCTIONS_APPLICATION_DIRECTORY\"; echo \"deliver=$ServiceBus__deliverQueue\"; }} > '{seen}'\nexit 1");
        var options = new FunctionsHostStandInOptions { AppDirectory = appDirectory, AppSettings = { ["ServiceBus:deliverQueue"] = "deliver-a" } };

        await Assert.ThrowsAsync<FunctionsHostException>(async () => await FunctionsHostStandIn.StartAsync(options));

        var lines = File.ReadAllLines(seen);
        var arguments = lines[0].Split(' ');
        Assert.Equal("worker.dll", arguments[0]);
        var uri = new Uri(arguments[Array.IndexOf(arguments, "--functions-uri") + 1]);
        Assert.Equal("127.0.0.1", uri.Host);
        Assert.Equal(arguments[Array.IndexOf(arguments, "--workerId") + 1], arguments[Array.IndexOf(arguments, "--functions-worker-id") + 1]);
        Assert.Equal(["runtime=custom-test", $"app={appDirectory}", "deliver=deliver-a"], lines[1..]);
    }

    [Fact]
    public void A_worker_config_without_the_worker_path_is_refused_with_the_field()
    {
        File.WriteAllText(Path.Combine(appDirectory, WorkerConfig.FileName), """{ "description": { "language": "dotnet-isolated", "defaultExecutablePath": "dotnet" } }""");

        var error = Assert.Throws<InvalidDataException>(() => WorkerConfig.Read(appDirectory));

        Assert.Contains("description.defaultWorkerPath", error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(appDirectory, recursive: true);

    private void WriteWorker(string script)
    {
        // The executable ignores the worker path it is given first, as a script stands in for "dotnet worker.dll".
        var executable = Path.Combine(appDirectory, "worker.sh");
        File.WriteAllText(executable, $"#!/bin/sh\n{script}\n");
        File.SetUnixFileMode(executable, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        File.WriteAllText(
            Path.Combine(appDirectory, WorkerConfig.FileName),
            $$"""{ "description": { "language": "custom-test", "defaultExecutablePath": "{{executable}}", "defaultWorkerPath": "worker.dll" } }""");
    }

    private static bool HasExited(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
