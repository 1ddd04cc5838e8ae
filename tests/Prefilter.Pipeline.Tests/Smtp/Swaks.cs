using System.Diagnostics;

namespace Prefilter.Pipeline.Tests.Smtp;

/// <summary>A fact that runs swaks, the SMTP test client; skipped with a message when Debian's swaks package is not installed.</summary>
public sealed class SwaksFactAttribute : FactAttribute
{
    /// <summary>Sets <see cref="FactAttribute.Skip"/> when swaks is missing (xunit 2 decides skips at discovery).</summary>
    public SwaksFactAttribute()
    {
        if (!File.Exists(Swaks.Path))
        {
            Skip = "install Debian's swaks package (apt-get install swaks) to run";
        }
    }
}

/// <summary>Runs swaks against a server on loopback.</summary>
internal static class Swaks
{
    public const string Path = "/usr/bin/swaks";

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(1));
        return (process.ExitCode, await output + await error);
    }
}
