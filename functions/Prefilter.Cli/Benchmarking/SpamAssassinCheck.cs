using System.Diagnostics;
using System.Text.Json;

namespace Prefilter.Cli.Benchmarking;

/// <summary>
/// SpamAssassin itself on some of the benchmarked mail: Mail::SpamAssassin through Perl, with the rules it has
/// installed, local tests only and without Bayes (a network test or a trained database would measure something
/// else), in one process timed after its rules are compiled. It puts the engine beside the scanner whose rules it
/// imports, on the same messages; SpamAssassin also runs its eval tests, which the import leaves out.
/// </summary>
internal static class SpamAssassinCheck
{
    private const string ScriptResource = "Prefilter.Cli.Benchmarking.spamassassin-check.pl";

    /// <summary>Runs SpamAssassin over <paramref name="paths"/>.</summary>
    /// <param name="paths">The mail files.</param>
    /// <param name="cancellationToken">Stops the run (the Perl process is killed).</param>
    /// <returns>What SpamAssassin reported.</returns>
    /// <exception cref="CommandException">Perl or Mail::SpamAssassin is not installed, or the check failed.</exception>
    public static async Task<SpamAssassinRun> RunAsync(IReadOnlyList<string> paths, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("prefilter-spamassassin-");
        try
        {
            var script = Path.Combine(folder.FullName, "spamassassin-check.pl");
            await using (var resource = typeof(SpamAssassinCheck).Assembly.GetManifestResourceStream(ScriptResource)!)
            await using (var file = File.Create(script))
            {
                await resource.CopyToAsync(file, cancellationToken);
            }

            var list = Path.Combine(folder.FullName, "mail.txt");
            await File.WriteAllLinesAsync(list, paths.Select(Path.GetFullPath), cancellationToken);
            var (exit, output, error) = await RunPerlAsync(script, list, cancellationToken);
            if (exit != 0)
            {
                var missing = error.Contains("Can't locate Mail/SpamAssassin.pm", StringComparison.Ordinal);
                throw new CommandException(ExitCodes.InputError, missing
                    ? "SpamAssassin is not installed (Debian: apt-get install spamassassin)"
                    : $"SpamAssassin's check failed (exit {exit}): {error.Trim()}");
            }

            return JsonSerializer.Deserialize<SpamAssassinRun>(output.Trim(), JsonSerializerOptions.Web)
                ?? throw new CommandException(ExitCodes.InputError, $"SpamAssassin's check printed no result: {output}");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private static async Task<(int Exit, string Output, string Error)> RunPerlAsync(string script, string list, CancellationToken cancellationToken)
    {
        using var perl = new Process
        {
            StartInfo = new ProcessStartInfo("perl") { ArgumentList = { script, list }, RedirectStandardOutput = true, RedirectStandardError = true },
        };
        try
        {
            perl.Start();
        }
        catch (System.ComponentModel.Win32Exception exception)
        {
            throw new CommandException(ExitCodes.InputError, $"perl cannot be started, so SpamAssassin cannot run: {exception.Message}");
        }

        return await ChildProcess.RunToEndAsync(perl, cancellationToken);
    }
}

/// <summary>What the Perl side of <see cref="SpamAssassinCheck"/> prints.</summary>
/// <param name="Version">SpamAssassin's version.</param>
/// <param name="CompileSeconds">Loading and compiling its rules.</param>
/// <param name="Messages">Mails checked.</param>
/// <param name="Seconds">Time checking them, after compiling.</param>
/// <param name="Spam">Mails it judged spam.</param>
/// <param name="IsSpam">Its verdict on each mail, in the order given.</param>
internal sealed record SpamAssassinRun(string Version, double CompileSeconds, int Messages, double Seconds, int Spam, IReadOnlyList<bool> IsSpam);
