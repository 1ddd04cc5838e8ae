using System.Diagnostics;
using System.Reflection;

namespace Prefilter.Infra.Tests;

/// <summary>What one run of the Bicep CLI printed.</summary>
/// <param name="ExitCode">The process exit code.</param>
/// <param name="StandardOutput">Everything written to stdout.</param>
/// <param name="Diagnostics">Diagnostic lines (stderr): errors, warnings, infos, linter findings.</param>
internal sealed record BicepResult(int ExitCode, string StandardOutput, IReadOnlyList<string> Diagnostics)
{
    public string Describe() =>
        $"exit code {ExitCode}{Environment.NewLine}{string.Join(Environment.NewLine, Diagnostics)}";
}

/// <summary>
/// The Bicep CLI pinned in Directory.Packages.props (NuGet Azure.Bicep.CommandLine.linux-x64), restored with this
/// project; the path is baked into the assembly at build time.
/// </summary>
internal static class BicepCli
{
    private static readonly TimeSpan RunLimit = TimeSpan.FromMinutes(3);

    private static readonly Lazy<string> Executable = new(Locate);

    public static async Task<BicepResult> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Executable.Value)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(RunLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"bicep {string.Join(' ', arguments)} did not finish within {RunLimit}");
        }

        var diagnostics = (await stderr)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new BicepResult(process.ExitCode, await stdout, diagnostics);
    }

    private static string Locate()
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "BicepPath").Value;
        if (!File.Exists(path))
        {
            throw new FileNotFoundException(
                $"Bicep CLI not found at '{path}': restore tests/Prefilter.Infra.Tests (package Azure.Bicep.CommandLine.linux-x64)");
        }

        // NuGet extracts with the mode the package recorded; make sure the owner may run it.
        var mode = File.GetUnixFileMode(path);
        if (!mode.HasFlag(UnixFileMode.UserExecute))
        {
            File.SetUnixFileMode(path, mode | UnixFileMode.UserExecute);
        }

        return path;
    }
}
