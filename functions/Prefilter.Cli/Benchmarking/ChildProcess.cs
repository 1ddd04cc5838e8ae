using System.Diagnostics;

namespace Prefilter.Cli.Benchmarking;

/// <summary>Waits for a started program whose output and errors are redirected, and reads them whole.</summary>
internal static class ChildProcess
{
    /// <summary>Reads <paramref name="process"/>'s output and errors until it exits.</summary>
    /// <param name="process">A started process with standard output and error redirected.</param>
    /// <param name="cancellationToken">Kills the process and its children, then throws.</param>
    /// <returns>Its exit code, output and errors.</returns>
    /// <exception cref="OperationCanceledException">Cancelled; the process was killed.</exception>
    public static async Task<(int ExitCode, string Output, string Error)> RunToEndAsync(Process process, CancellationToken cancellationToken)
    {
        try
        {
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode, await output, await error);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }
    }
}
