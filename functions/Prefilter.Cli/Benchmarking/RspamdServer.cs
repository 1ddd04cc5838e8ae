using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;

namespace Prefilter.Cli.Benchmarking;

/// <summary>
/// An Rspamd the bench starts for one run, configured by <see cref="RspamdConfiguration"/> in a temporary folder,
/// with one normal worker on a free loopback port; disposing stops it and deletes the folder. It is the bench's
/// child process, never the system service, so it runs on the CPUs the bench may run on: under
/// <c>taskset -c 0 prefilter bench …</c> its worker shares the bench's one core.
/// </summary>
internal sealed partial class RspamdServer : IAsyncDisposable
{
    private readonly Process process;
    private readonly DirectoryInfo folder;
    private readonly StringBuilder output;
    private readonly Task outputPump;
    private readonly RspamdLog log;
    private int disposed;

    private RspamdServer(Process process, DirectoryInfo folder, StringBuilder output, Task outputPump, int port, string version)
    {
        this.process = process;
        this.folder = folder;
        this.output = output;
        this.outputPump = outputPump;
        log = new RspamdLog(Path.Combine(folder.FullName, RspamdConfiguration.LogFileName));
        Address = $"127.0.0.1:{port}";
        Version = version;
    }

    /// <summary>The worker's <c>host:port</c>, as <c>rspamc --connect</c> takes it.</summary>
    public string Address { get; }

    /// <summary>Rspamd's version, as <c>rspamd --version</c> prints it.</summary>
    public string Version { get; }

    /// <summary>
    /// Starts Rspamd and waits until its worker has loaded the Hyperscan database of its regexes, which a helper
    /// process compiles after the start: before that the worker runs them one by one, which is not Rspamd's speed.
    /// </summary>
    /// <param name="installation">The Rspamd to run.</param>
    /// <param name="startTimeout">How long the start may take; Rspamd compiles its TLD list and regexes first.</param>
    /// <param name="cancellationToken">Stops the start; a started Rspamd is stopped.</param>
    /// <returns>The running server; dispose it to stop Rspamd.</returns>
    /// <exception cref="CommandException">Rspamd could not be started, exited, or was not ready in time.</exception>
    public static async Task<RspamdServer> StartAsync(RspamdInstallation installation, TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        var version = await ReadVersionAsync(installation, cancellationToken);
        var folder = Directory.CreateTempSubdirectory("prefilter-rspamd-");
        var port = FreeLoopbackPort();
        RspamdConfiguration.Write(folder.FullName, port);

        // --no-fork keeps the main process the bench's child; --insecure lets it run its workers when the bench runs
        // as root, as in CI. Its database folder (Hyperscan cache, symbol cache, control socket) is the temporary
        // folder too, so nothing of the system service's is read or written.
        var start = new ProcessStartInfo(installation.DaemonPath)
        {
            ArgumentList =
            {
                "--no-fork", "--insecure", "--config", Path.Combine(folder.FullName, RspamdConfiguration.FileName),
                "--var", $"LOCAL_CONFDIR={folder.FullName}", "--var", $"DBDIR={folder.FullName}", "--var", $"RUNDIR={folder.FullName}",
            },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = RspamdInstallation.Launch(start);
        }
        catch
        {
            folder.Delete(recursive: true);
            throw;
        }

        var output = new StringBuilder();
        var pump = Task.WhenAll(PumpAsync(process.StandardOutput, output), PumpAsync(process.StandardError, output));
        var server = new RspamdServer(process, folder, output, pump, port, version);
        try
        {
            await server.WaitUntilReadyAsync(startTimeout, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    /// <summary>How many of the messages checked so far made DNS requests, from the line Rspamd logs for each.</summary>
    public int MessagesWithDnsRequests()
    {
        log.Read();
        return log.MessagesWithDnsRequests;
    }

    /// <summary>Stops Rspamd (its main process and workers) and deletes its folder.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It had already exited.
        }

        await process.WaitForExitAsync();
        await outputPump;
        process.Dispose();
        log.Dispose();
        folder.Delete(recursive: true);
    }

    private static async Task<string> ReadVersionAsync(RspamdInstallation installation, CancellationToken cancellationToken)
    {
        using var process = RspamdInstallation.Launch(new ProcessStartInfo(installation.DaemonPath) { ArgumentList = { "--version" }, RedirectStandardOutput = true });
        var printed = await process.StandardOutput.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        return VersionLine().Match(printed) is { Success: true } match
            ? match.Groups["version"].Value
            : throw new CommandException(ExitCodes.ServiceError, $"{installation.DaemonPath} --version printed no version: {printed.Trim()}");
    }

    private async Task WaitUntilReadyAsync(TimeSpan startTimeout, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            log.Read();
            if (log.WorkerReady)
            {
                return;
            }

            if (process.HasExited)
            {
                throw new CommandException(ExitCodes.ServiceError, $"rspamd exited with code {process.ExitCode} before its worker was ready:\n{Tail()}");
            }

            if (clock.Elapsed > startTimeout)
            {
                throw new CommandException(ExitCodes.ServiceError, $"rspamd's worker had not loaded its Hyperscan database after {startTimeout.TotalSeconds:0} s:\n{Tail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    // What Rspamd printed (its errors before the log is open) and the end of its log: enough to see why it stopped.
    private string Tail()
    {
        string printed;
        lock (output)
        {
            printed = output.ToString().Trim();
        }

        return string.Join('\n', new[] { printed }.Concat(log.LastLines).Where(text => text.Length > 0));
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output)
    {
        while (await reader.ReadLineAsync() is { } line)
        {
            lock (output)
            {
                if (output.Length < 16 * 1024)
                {
                    output.AppendLine(line);
                }
            }
        }
    }

    private static int FreeLoopbackPort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }

    [GeneratedRegex(@"daemon version (?<version>\S+)")]
    private static partial Regex VersionLine();
}
