using System.Text.Json;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// How to start a function app's worker, from the <c>worker.config.json</c> that the Functions worker SDK writes into
/// the published app: the host reads the same file to find the executable and the assembly to run.
/// </summary>
/// <param name="Language">The worker runtime, e.g. <c>dotnet-isolated</c> (also the <c>FUNCTIONS_WORKER_RUNTIME</c> the host sets).</param>
/// <param name="ExecutablePath">The program to start, e.g. <c>dotnet</c>.</param>
/// <param name="WorkerPath">The worker assembly, relative to the app directory.</param>
public sealed record WorkerConfig(string Language, string ExecutablePath, string WorkerPath)
{
    /// <summary>The file's name.</summary>
    public const string FileName = "worker.config.json";

    /// <summary>Reads <see cref="FileName"/> in a published app.</summary>
    /// <param name="appDirectory">The publish output.</param>
    /// <exception cref="FileNotFoundException">No <see cref="FileName"/> there: not a published Functions worker.</exception>
    /// <exception cref="InvalidDataException">The file lacks a field the host needs.</exception>
    public static WorkerConfig Read(string appDirectory)
    {
        var path = Path.Combine(appDirectory, FileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path} not found: publish the function app there first (dotnet publish -o)", path);
        }

        using var document = JsonDocument.Parse(File.ReadAllText(path));
        var description = document.RootElement.TryGetProperty("description", out var value) ? value : default;
        return new WorkerConfig(Field(description, "language", path), Field(description, "defaultExecutablePath", path), Field(description, "defaultWorkerPath", path));
    }

    private static string Field(JsonElement description, string name, string path) =>
        description.ValueKind == JsonValueKind.Object && description.TryGetProperty(name, out var value) && value.GetString() is { Length: > 0 } text
            ? text
            : throw new InvalidDataException($"{path} has no description.{name}");
}
