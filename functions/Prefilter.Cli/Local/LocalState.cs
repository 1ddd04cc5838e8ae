using System.Text.Json;
using Prefilter.DevServices;

namespace Prefilter.Cli.Local;

/// <summary>
/// What a running <c>prefilter up</c> tells the other commands: API URL, key and SMTP ingress, in
/// <c>infra/local/.prefilter/up.json</c> (git-ignored by a <c>.gitignore</c> written beside it).
/// </summary>
/// <param name="ApiUrl">Base URL of the HTTP API, e.g. <c>http://127.0.0.1:7071</c>.</param>
/// <param name="ApiKey">The key the API checks.</param>
/// <param name="Smtp">The SMTP ingress, <c>host:port</c>.</param>
internal sealed record LocalState(string ApiUrl, string ApiKey, string Smtp)
{
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

    /// <summary>Removes the file when it is still this run's (another <c>up</c> may have replaced it).</summary>
    public void Delete()
    {
        if (TryRead() == this)
        {
            File.Delete(FilePath);
        }
    }
}
