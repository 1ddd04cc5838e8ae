using System.Globalization;
using System.Text.Json;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// The queue extension's settings the stand-in honours, from the app's host.json (<c>extensions.queues</c>), with the
/// extension's defaults: how many times a message is tried before it goes to the poison queue, and how long a failed
/// message stays invisible before it is tried again.
/// </summary>
/// <param name="MaxDequeueCount">Deliveries before a failing message moves to <c>{queue}-poison</c>.</param>
/// <param name="VisibilityTimeout">How long a failed message waits before its next delivery.</param>
internal sealed record QueueExtensionSettings(int MaxDequeueCount, TimeSpan VisibilityTimeout)
{
    /// <summary>Reads <c>host.json</c> of a published app; the defaults when it or the section is absent.</summary>
    /// <param name="appDirectory">The published app.</param>
    /// <exception cref="InvalidDataException">host.json is not JSON.</exception>
    public static QueueExtensionSettings Read(string appDirectory)
    {
        var defaults = new QueueExtensionSettings(5, TimeSpan.Zero);
        var path = Path.Combine(appDirectory, "host.json");
        if (!File.Exists(path))
        {
            return defaults;
        }

        JsonElement queues;
        try
        {
            using var document = JsonDocument.Parse(File.ReadAllText(path));
            if (!document.RootElement.TryGetProperty("extensions", out var extensions) || !extensions.TryGetProperty("queues", out var section))
            {
                return defaults;
            }

            queues = section.Clone();
        }
        catch (JsonException exception)
        {
            throw new InvalidDataException($"{path} is not JSON: {exception.Message}", exception);
        }

        return new QueueExtensionSettings(
            queues.TryGetProperty("maxDequeueCount", out var count) ? count.GetInt32() : defaults.MaxDequeueCount,
            queues.TryGetProperty("visibilityTimeout", out var visibility) ? TimeSpan.Parse(visibility.GetString()!, CultureInfo.InvariantCulture) : defaults.VisibilityTimeout);
    }
}
