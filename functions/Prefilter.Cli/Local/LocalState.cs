using System.Diagnostics;
using System.Text.Json;
using Prefilter.DevServices;

namespace Prefilter.Cli.Local;

/// <summary>
/// What a running <c>prefilter up</c> tells the other commands: API URL, key and SMTP ingress, in
/// <c>infra/local/.prefilter/up.json</c> (git-ignored by a <c>.gitignore</c> written beside it), with the process
/// that serves them, so a file left by a killed run can be told from a live one.
/// </summary>
/// <param name="ApiUrl">Base URL of the HTTP API, e.g. <c>http://127.0.0.1:7071</c>.</param>
/// <param name="ApiKey">The key the API checks.</param>
/// <param name="Smtp">The SMTP ingress, <c>host:port</c>.</param>
/// <param name="ProcessId">The <c>prefilter up</c> process.</param>
/// <param name="ProcessStartedAt">When that process started (UTC); tells it from a later process given the same id.</param>
internal sealed record LocalState(string ApiUrl, string ApiKey, string Smtp, int ProcessId, DateTimeOffset ProcessStartedAt)
{
    /// <summary>The state of a run served by the current process.</summary>
    public static LocalState OfThisProcess(string apiUrl, string apiKey, string smtp)
    {
        using var self = Process.GetCurrentProcess();
        return new LocalState(apiUrl, apiKey, smtp, self.Id, self.StartTime.ToUniversalTime());
    }

    /// <summary>The folder, <c>infra/local/.prefilter</c>.</summary>
    public static string Directory => Path.Combine(LocalPackages.LocalDirectory, ".prefilter");

    /// <summary>The state file.</summary>
    public static string FilePath => Path.Combine(Directory, "up.json");

    /// <summary>Writes the file (readable by the owner only where the OS allows).</summary>
    public void Write()
    {
        System.IO.Directory.CreateDirectory(Directory);
        File.WriteAllText(Path.Combine(Directory, ".gitignore"), "*\n");
        File.WriteAllText(FilePath, JsonSerializer.Serialize(this, JsonSerializerOptions.Web));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }

    /// <summary>Reads the file a running <c>prefilter up</c> wrote; null when there is none.</summary>
    public static LocalState? TryRead()
    {
        try
        {
            return File.Exists(FilePath) ? JsonSerializer.Deserialize<LocalState>(File.ReadAllText(FilePath), JsonSerializerOptions.Web) : null;
        }
        catch (Exception exception) when (exception is IOException or JsonException)
        {
            return null;
        }
    }

    /// <summary>True while the process that wrote the state still runs.</summary>
    public bool IsRunning()
    {
        try
        {
            using var process = Process.GetProcessById(ProcessId);

            // Start times are read from the OS with whole-tick rounding; a second apart is another process.
            return !process.HasExited && (process.StartTime.ToUniversalTime() - ProcessStartedAt.UtcDateTime).Duration() < TimeSpan.FromSeconds(1);
        }
        catch (Exception exception) when (exception is ArgumentException or InvalidOperationException)
        {
            // No process with that id (or a file from before the id was recorded, with id 0).
            return false;
        }
    }

    /// <summary>Removes the file when it is still this run's (another <c>up</c> may have replaced it).</summary>
    public void Delete()
    {
        if (TryRead() == this)
        {
            File.Delete(FilePath);
        }
    }
}
