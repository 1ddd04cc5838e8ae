using System.Diagnostics;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Prefilter.DevServices.Azurite;

/// <summary>
/// A running Azurite (Blob, Queue and Table) on loopback, started from the version pinned in
/// <c>infra/local/package.json</c>. Used by integration tests and by <c>prefilter up</c>.
/// </summary>
/// <remarks>
/// Azurite listens on port 0 for each service and reports the port the system picked, so two hosts
/// started at the same time never race for a port. It runs with <c>--skipApiVersionCheck</c> because
/// the storage SDK may speak a newer REST version than Azurite knows, and with <c>--disableTelemetry</c>
/// so that it exits on SIGTERM. Disposing stops the whole process tree.
/// </remarks>
public sealed partial class AzuriteHost : IAsyncDisposable
{
    /// <summary>The account every Azurite serves.</summary>
    public const string AccountName = "devstoreaccount1";

    /// <summary>The npm package Azurite comes in (pinned in <c>infra/local/package.json</c>).</summary>
    public const string PackageName = "azurite";

    /// <summary>The well-known key of <see cref="AccountName"/>; public, documented by Microsoft, valid only on Azurite.</summary>
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private readonly AzuriteHostOptions options;
    private Running running;
    private int disposed;

    private AzuriteHost(AzuriteHostOptions options, Running running, Uri blobEndpoint, Uri queueEndpoint, Uri tableEndpoint)
    {
        this.options = options;
        this.running = running;
        BlobEndpoint = blobEndpoint;
        QueueEndpoint = queueEndpoint;
        TableEndpoint = tableEndpoint;
        ConnectionString =
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint={blobEndpoint};QueueEndpoint={queueEndpoint};TableEndpoint={tableEndpoint};";
    }

    /// <summary>Blob service endpoint including the account, e.g. <c>http://127.0.0.1:41234/devstoreaccount1</c>.</summary>
    public Uri BlobEndpoint { get; }

    /// <summary>Queue service endpoint including the account.</summary>
    public Uri QueueEndpoint { get; }

    /// <summary>Table service endpoint including the account.</summary>
    public Uri TableEndpoint { get; }

    /// <summary>A storage connection string with the well-known key and the explicit endpoints of this instance.</summary>
    public string ConnectionString { get; }

    /// <summary>The Azurite process id, for diagnostics.</summary>
    public int ProcessId => this.running.Process.Id;

    /// <summary>
    /// Installs Azurite when missing (<c>npm ci</c> in <c>infra/local</c>, serialised across processes),
    /// starts it and waits until all three services accept connections.
    /// </summary>
    /// <param name="options">Where to keep data and how long to wait; defaults when null.</param>
    /// <param name="cancellationToken">Cancels the install and the start; a started process is stopped.</param>
    /// <returns>The running host; dispose it to stop Azurite.</returns>
    /// <exception cref="InvalidOperationException">Node.js is missing, <c>npm ci</c> failed, or Azurite exited or did not report its ports in time; the message holds Azurite's output.</exception>
    public static async Task<AzuriteHost> StartAsync(AzuriteHostOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new AzuriteHostOptions();
        var (running, blob, queue, table) = await LaunchAsync(options, null, cancellationToken).ConfigureAwait(false);
        return new AzuriteHost(options, running, blob, queue, table);
    }

    /// <summary>
    /// Kills Azurite with SIGKILL, as a crash would, once it has saved what it acknowledged and stopped answering.
    /// </summary>
    /// <remarks>
    /// Azurite saves its index of blobs, queues and tables every 5 seconds, so a bare SIGKILL loses writes it already
    /// acknowledged, which Azure Storage never does. So first it is told (SIGUSR2, handled by the bootstrap) to write
    /// its index synchronously and block its event loop: from then on requests hang unanswered, and every write it
    /// answered is on disk. Then the process tree is killed; its ports refuse connections until <see cref="RestartAsync"/>.
    /// </remarks>
    /// <param name="cancellationToken">Cancels the wait for the save.</param>
    /// <exception cref="InvalidOperationException">Azurite keeps its data in memory (no <see cref="AzuriteHostOptions.Location"/>), or did not save within 30 s.</exception>
    /// <exception cref="PlatformNotSupportedException">On Windows, which has no SIGUSR2.</exception>
    public async Task KillAsync(CancellationToken cancellationToken = default)
    {
        if (this.options.Location is null)
        {
            throw new InvalidOperationException("Azurite keeps its data in memory: killing it would lose everything, not test a restart");
        }

        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("Azurite's save before a kill is asked for with SIGUSR2");
        }

        var current = this.running;
        if (SendSignal(current.Process.Id, SigUsr2) != 0)
        {
            throw new InvalidOperationException($"Azurite (process {current.Process.Id}) could not be signalled; has it exited?");
        }

        try
        {
            await current.Frozen.Task.WaitAsync(TimeSpan.FromSeconds(30), cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException exception)
        {
            throw new InvalidOperationException($"Azurite did not save its state within 30 s: {Snapshot(current.Output)}", exception);
        }

        current.Process.Kill(entireProcessTree: true);
        await current.Process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
        await current.Pump.ConfigureAwait(false);
    }

    /// <summary>Starts Azurite again after <see cref="KillAsync"/>, on the same folder and the same ports, and waits until it accepts connections.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <exception cref="InvalidOperationException">Azurite is still running, exited, or did not report its ports in time.</exception>
    public async Task RestartAsync(CancellationToken cancellationToken = default)
    {
        if (!this.running.Process.HasExited)
        {
            throw new InvalidOperationException("Azurite is still running; kill it first");
        }

        var ports = new[] { BlobEndpoint.Port, QueueEndpoint.Port, TableEndpoint.Port };
        var (restarted, _, _, _) = await LaunchAsync(this.options, ports, cancellationToken).ConfigureAwait(false);
        var previous = Interlocked.Exchange(ref this.running, restarted);
        previous.Process.Dispose();
    }

    // Starts Azurite on the given ports (blob, queue, table), or on free ones when null, and waits until it serves.
    private static async Task<(Running Running, Uri Blob, Uri Queue, Uri Table)> LaunchAsync(AzuriteHostOptions options, int[]? ports, CancellationToken cancellationToken)
    {
        var packageDirectory = await LocalPackages.EnsureInstalledAsync(PackageName, cancellationToken).ConfigureAwait(false);
        var entryPoint = Path.Combine(packageDirectory, "dist", "src", "azurite.js");
        if (!File.Exists(entryPoint))
        {
            throw new InvalidOperationException($"Azurite is installed but {entryPoint} is missing; its layout changed: check the \"bin\" entry of its package.json");
        }

        var start = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = options.Location ?? Path.GetTempPath(),
        };
        foreach (var argument in Arguments(entryPoint, options, ports ?? [0, 0, 0]))
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("could not start node");
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new InvalidOperationException("could not start node; is Node.js installed and on PATH?", exception);
        }

        var output = new StringBuilder();
        var endpoints = new Dictionary<string, Uri>(StringComparer.Ordinal);
        var allListening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var frozen = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var pump = Task.WhenAll(
            PumpAsync(process.StandardOutput, output, endpoints, allListening, frozen),
            PumpAsync(process.StandardError, output, endpoints, allListening, frozen));

        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.StartTimeout);
            var exited = process.WaitForExitAsync(timeout.Token);
            var first = await Task.WhenAny(allListening.Task, exited).ConfigureAwait(false);
            if (first != allListening.Task)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var why = process.HasExited ? $"exited with code {process.ExitCode}" : $"did not report its ports within {options.StartTimeout}";
                throw new InvalidOperationException($"Azurite {why}: {Snapshot(output)}");
            }

            Uri blob, queue, table;
            lock (endpoints)
            {
                blob = endpoints["Blob"];
                queue = endpoints["Queue"];
                table = endpoints["Table"];
            }

            foreach (var endpoint in new[] { blob, queue, table })
            {
                await WaitUntilAcceptingAsync(endpoint, timeout.Token).ConfigureAwait(false);
            }

            return (new Running(process, pump, output, frozen), WithAccount(blob), WithAccount(queue), WithAccount(table));
        }
        catch
        {
            Stop(process, TimeSpan.FromSeconds(5));
            process.Dispose();
            throw;
        }
    }

    /// <summary>Stops Azurite (SIGTERM, then kills the process tree if it lingers) and waits for it to exit.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 1)
        {
            return;
        }

        var current = this.running;
        await Task.Run(() => Stop(current.Process, TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        await current.Pump.ConfigureAwait(false);
        current.Process.Dispose();
    }

    private static IEnumerable<string> Arguments(string entryPoint, AzuriteHostOptions options, int[] ports)
    {
        // Azurite runs inside a small bootstrap that watches the owner process: a test run or `prefilter up`
        // that is killed (no Dispose) must not leave an Azurite behind holding memory and ports.
        yield return "-e";
        yield return OwnerWatchBootstrap;
        yield return "--";
        yield return (options.OwnerProcessId ?? Environment.ProcessId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return entryPoint;
        string[] services = ["blob", "queue", "table"];
        for (var i = 0; i < services.Length; i++)
        {
            yield return $"--{services[i]}Host";
            yield return "127.0.0.1";
            yield return $"--{services[i]}Port";
            yield return ports[i].ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        yield return "--skipApiVersionCheck";
        yield return "--disableTelemetry";
        yield return "--silent";
        if (options.Location is null)
        {
            yield return "--inMemoryPersistence";
        }
        else
        {
            Directory.CreateDirectory(options.Location);
            yield return "--location";
            yield return options.Location;
        }
    }

    private static async Task PumpAsync(StreamReader reader, StringBuilder output, Dictionary<string, Uri> endpoints, TaskCompletionSource allListening, TaskCompletionSource frozen)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
            if (line == FrozenLine)
            {
                frozen.TrySetResult();
            }

            lock (output)
            {
                // Keep the start-up lines and the latest output; a long-running host must not grow without bound.
                if (output.Length > 64 * 1024)
                {
                    output.Remove(0, output.Length / 2);
                }

                output.AppendLine(line);
            }

            if (ListeningLine().Match(line) is { Success: true } match)
            {
                lock (endpoints)
                {
                    endpoints[match.Groups["service"].Value] = new Uri(match.Groups["url"].Value);
                    if (endpoints.Count == 3)
                    {
                        allListening.TrySetResult();
                    }
                }
            }
        }
    }

    private static async Task WaitUntilAcceptingAsync(Uri endpoint, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(endpoint.Host, endpoint.Port, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static Uri WithAccount(Uri serviceRoot) => new($"{serviceRoot.GetLeftPart(UriPartial.Authority)}/{AccountName}");

    private static void Stop(Process process, TimeSpan grace)
    {
        try
        {
            if (process.HasExited)
            {
                return;
            }

            // SIGTERM lets Azurite flush a --location workspace; Kill is SIGKILL and is the fallback.
            if (!OperatingSystem.IsWindows() && SendSignal(process.Id, SigTerm) == 0 && process.WaitForExit(grace))
            {
                return;
            }

            process.Kill(entireProcessTree: true);
            process.WaitForExit(grace);
        }
        catch (InvalidOperationException)
        {
            // The process already exited between the checks.
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }

    private const int SigTerm = 15;

    private const int SigUsr2 = 12;

    private const string FrozenLine = "prefilter: Azurite saved its state and stopped answering";

    // argv after "--": owner pid, Azurite's entry script, Azurite's arguments. Azurite starts when its script is
    // loaded and reads process.argv, so argv is rewritten to look like a direct start first. Once the owner is gone,
    // so is the read end of Azurite's stdout and stderr, and Azurite logs while it closes: a write error there must not
    // end it before it has saved a --location workspace. The watch signals once: Azurite handles only the first
    // SIGTERM, and a second one would end it mid-save. The exit after 30 s is for an Azurite whose close hangs.
    // SIGUSR2 prepares a kill (KillAsync): every Loki database (Azurite's index) that lives in a file is written at once,
    // under a name of its own so a save Loki has under way cannot interleave, then the event loop is blocked for good.
    private const string OwnerWatchBootstrap = """
        const [owner, entry, ...rest] = process.argv.slice(1);
        process.argv = [process.argv[0], entry, ...rest];
        const fs = require('fs');
        const loki = require(require.resolve('lokijs', { paths: [require('path').dirname(entry)] }));
        const databases = [];
        const configure = loki.prototype.configureOptions;
        loki.prototype.configureOptions = function (...args) {
          if (!databases.includes(this)) databases.push(this);
          return configure.apply(this, args);
        };
        process.on('SIGUSR2', () => {
          for (const db of databases.filter(db => db.persistenceMethod === 'fs')) {
            fs.writeFileSync(db.filename + '.kill~', db.serialize());
            fs.renameSync(db.filename + '.kill~', db.filename);
          }
          fs.writeSync(1, 'prefilter: Azurite saved its state and stopped answering\n');
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
        });
        for (const stream of [process.stdout, process.stderr]) stream.on('error', () => {});
        const watch = setInterval(() => {
          try { process.kill(Number(owner), 0); }
          catch {
            clearInterval(watch);
            process.kill(process.pid, 'SIGTERM');
            setTimeout(() => process.exit(0), 30000).unref();
          }
        }, 1000).unref();
        require(entry);
        """;

    [DllImport("libc", EntryPoint = "kill")]
    private static extern int SendSignal(int pid, int signal);

    private sealed record Running(Process Process, Task Pump, StringBuilder Output, TaskCompletionSource Frozen);

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at (?<url>http://\S+)")]
    private static partial Regex ListeningLine();
}
