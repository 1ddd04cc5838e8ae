using System.ComponentModel;
using System.Diagnostics;

namespace Prefilter.Cli.Benchmarking;

/// <summary>Where Rspamd's daemon and its own client are installed: what <c>prefilter bench --rspamd</c> runs.</summary>
/// <param name="DaemonPath">The <c>rspamd</c> executable.</param>
/// <param name="ClientPath">The <c>rspamc</c> executable.</param>
internal sealed record RspamdInstallation(string DaemonPath, string ClientPath)
{
    /// <summary>How to install what <see cref="Find"/> looks for.</summary>
    public const string HowToInstall = "Debian: apt-get install --no-install-recommends rspamd";

    /// <summary>Finds <c>rspamd</c> and <c>rspamc</c> in the folders of a search path.</summary>
    /// <param name="searchPath">Folders separated by <see cref="Path.PathSeparator"/>, as in the <c>PATH</c> environment variable.</param>
    /// <returns>The installation.</returns>
    /// <exception cref="CommandException">Either executable is in none of the folders.</exception>
    public static RspamdInstallation Find(string? searchPath)
    {
        var folders = (searchPath ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        string? Locate(string name) => folders.Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);

        if (Locate("rspamd") is { } daemon && Locate("rspamc") is { } client)
        {
            return new RspamdInstallation(daemon, client);
        }

        throw new CommandException(ExitCodes.InputError, $"Rspamd is not installed: rspamd and rspamc are not on PATH ({HowToInstall})");
    }

    /// <summary>Starts <c>rspamd</c> or <c>rspamc</c>.</summary>
    /// <param name="start">The executable, its arguments and redirections.</param>
    /// <returns>The started process.</returns>
    /// <exception cref="CommandException">The executable could not be started.</exception>
    public static Process Launch(ProcessStartInfo start)
    {
        try
        {
            return Process.Start(start) ?? throw new Win32Exception("no process started");
        }
        catch (Win32Exception exception)
        {
            throw new CommandException(ExitCodes.InputError, $"{start.FileName} cannot be started ({HowToInstall}): {exception.Message}");
        }
    }
}
