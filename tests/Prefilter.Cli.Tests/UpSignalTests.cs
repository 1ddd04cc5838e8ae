namespace Prefilter.Cli.Tests;

/// <summary><c>prefilter up</c> in its own process, stopped by a signal.</summary>
[Collection(UpProcess.CollectionName)]
public sealed class UpSignalTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task SIGTERM_ends_up_cleanly_however_long_its_shutdown_takes()
    {
        // Azurite paused: it cannot act on the SIGTERM up sends it, so up's shutdown lasts its whole wait for Azurite
        // (seconds) before it kills it. A stop that gives up after a fixed time would end the process mid-shutdown.
        await using var up = await UpProcess.StartAsync("--api-port", "0", "--smtp-port", "0");
        var azurite = Assert.Single(up.ChildProcessIds());
        try
        {
            Assert.Equal(0, UpProcess.SendSignal(azurite, UpProcess.SigStop));

            Assert.Equal(0, await up.TerminateAsync(Patience));

            Assert.Contains("stopping…", up.Errors);
            Assert.DoesNotContain(up.Errors.Concat(up.Output), line => line.Contains("Exception", StringComparison.Ordinal));
            Assert.False(UpProcess.IsRunning(azurite), "Azurite outlived up");
        }
        finally
        {
            UpProcess.SendSignal(azurite, UpProcess.SigKill);
        }
    }
}
