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

    private readonly Process process;
    private readonly Task outputPump;
    private int disposed;

    private AzuriteHost(Process process, Task outputPump, Uri blobEndpoint, Uri queueEndpoint, Uri tableEndpoint)
    {
        this.process = process;
        this.outputPump = outputPump;
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
    public int ProcessId => process.Id;

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
        foreach (var argument in Arguments(entryPoint, options))
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
        var pump = Task.WhenAll(
            PumpAsync(process.StandardOutput, output, endpoints, allListening),
            PumpAsync(process.StandardError, output, endpoints, allListening));

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

            return new AzuriteHost(process, pump, WithAccount(blob), WithAccount(queue), WithAccount(table));
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

        await Task.Run(() => Stop(process, TimeSpan.FromSeconds(5))).ConfigureAwait(false);
        await outputPump.ConfigureAwait(false);
        process.Dispose();
    }

    private static IEnumerable<string> Arguments(string entryPoint, AzuriteHostOptions options)
    {
        // Azurite runs inside a small bootstrap that watches the owner process: a test run or `prefilter up`
        // that is killed (no Dispose) must not leave an Azurite behind holding memory and ports.
        yield return "-e";
        yield return OwnerWatchBootstrap;
        yield return "--";
        yield return (options.OwnerProcessId ?? Environment.ProcessId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        yield return entryPoint;
        foreach (var service in new[] { "blob", "queue", "table" })
        {
            yield return $"--{service}Host";
            yield return "127.0.0.1";
            yield return $"--{service}Port";
            yield return "0";
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

    private static async Task PumpAsync(StreamReader reader, StringBuilder output, Dictionary<string, Uri> endpoints, TaskCompletionSource allListening)
    {
        while (await reader.ReadLineAsync().ConfigureAwait(false) is { } line)
        {
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

    // argv after "--": owner pid, Azurite's entry script, Azurite's arguments. Azurite starts when its script is
    // loaded and reads process.argv, so argv is rewritten to look like a direct start first. Once the owner is gone,
    // so is the read end of Azurite's stdout and stderr, and Azurite logs while it closes: a write error there must not
    // end it before it has saved a --location workspace. The watch signals once: Azurite handles only the first
    // SIGTERM, and a second one would end it mid-save. The exit after 30 s is for an Azurite whose close hangs.
    private const string OwnerWatchBootstrap = """
        const [owner, entry, ...rest] = process.argv.slice(1);
        process.argv = [process.argv[0], entry, ...rest];
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

    [GeneratedRegex(@"Azurite (?<service>Blob|Queue|Table) service is successfully listening at (?<url>http://\S+)")]
    private static partial Regex ListeningLine();
}
