using System.Diagnostics;
using System.Reflection;

namespace Prefilter.Functions.Tests.Hosting;

/// <summary>
/// The function app published as it is deployed (<c>dotnet publish</c>), once per test run, into a temporary folder.
/// It reuses the build the test run made (<c>--no-build</c>, same configuration), so publishing costs seconds and
/// never rebuilds projects that other test assemblies are loading.
/// </summary>
internal static class PublishedApp
{
    /// <summary>Publishes the app and returns the folder.</summary>
    /// <exception cref="InvalidOperationException">The publish failed; the message holds its output.</exception>
    public static async Task<string> PublishAsync()
    {
        var configuration = typeof(PublishedApp).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var project = Path.Combine(AppFunctions.RepositoryRoot, "functions", "Prefilter.Functions", "Prefilter.Functions.csproj");
        var output = Path.Combine(Path.GetTempPath(), $"prefilter-functions-{Guid.NewGuid():N}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "publish", project, "-c", configuration, "--no-build", "-o", output, "-nologo" })
        {
            start.ArgumentList.Add(argument);
        }

        using var publish = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet publish");
        var stdout = publish.StandardOutput.ReadToEndAsync();
        var stderr = publish.StandardError.ReadToEndAsync();
        await publish.WaitForExitAsync();
        if (publish.ExitCode != 0)
        {
            throw new InvalidOperationException($"dotnet publish of {project} ({configuration}) failed with exit code {publish.ExitCode}: {await stderr}{await stdout}");
        }

        return output;
    }
}
