using System.Diagnostics;

namespace Prefilter.Engine.Tests.SpamAssassin;

/// <summary>Runs a Perl script (Perl comes with Debian's spamassassin package) for the tests that compare with it.</summary>
internal static class Perl
{
    /// <summary>Runs <paramref name="script"/> with <paramref name="arguments"/>; fails the test when Perl fails.</summary>
    /// <returns>What the script printed.</returns>
    public static string Run(string script, params string[] arguments)
    {
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, script);
            var start = new ProcessStartInfo("perl") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            start.ArgumentList.Add(file);
            foreach (var argument in arguments)
            {
                start.ArgumentList.Add(argument);
            }

            using var perl = Process.Start(start) ?? throw new InvalidOperationException("perl did not start");
            var errors = perl.StandardError.ReadToEndAsync();
            var output = perl.StandardOutput.ReadToEnd();
            perl.WaitForExit();
            Assert.True(perl.ExitCode == 0, $"perl failed: {errors.Result}");
            return output;
        }
        finally
        {
            File.Delete(file);
        }
    }
}
