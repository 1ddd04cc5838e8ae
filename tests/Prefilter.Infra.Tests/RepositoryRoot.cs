using System.Reflection;

namespace Prefilter.Infra.Tests;

/// <summary>The checkout the tests run in, found by walking up to Serverless.sln.</summary>
internal static class RepositoryRoot
{
    private static readonly Lazy<string> Root = new(Find);

    public static string Path => Root.Value;

    public static string Infra => System.IO.Path.Combine(Path, "infra");

    private static string Find()
    {
        // The test binaries sit under the checkout unless built with --artifacts-path elsewhere; then the
        // project directory recorded at build time leads back to it.
        var projectDirectory = typeof(RepositoryRoot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(attribute => attribute.Key == "ProjectDirectory").Value!;
        foreach (var start in new[] { AppContext.BaseDirectory, projectDirectory })
        {
            for (var directory = new DirectoryInfo(start); directory is not null; directory = directory.Parent)
            {
                if (File.Exists(System.IO.Path.Combine(directory.FullName, "Serverless.sln")))
                {
                    return directory.FullName;
                }
            }
        }

        throw new InvalidOperationException($"no Serverless.sln above {AppContext.BaseDirectory} or {projectDirectory}");
    }
}
