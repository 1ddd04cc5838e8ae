using Prefilter.Pipeline.Storage;

namespace Prefilter.Functions.Tests.Hosting;

/// <summary>The timer functions run in the worker when the host fires them with the timer extension's payload.</summary>
[Collection(FunctionsHostCollection.Name)]
public sealed class TimerFunctionTests(FunctionsHostFixture fixture)
{
    [Fact]
    public async Task The_reconciler_timer_re_drives_a_mail_whose_event_was_lost_and_it_is_delivered()
    {
        var recipient = FunctionsHostFixture.NewRecipient();
        var stored = await fixture.StoreMailAsync(recipient, "Nobody announced me.");

        // The fixture's Reconciler:minimumAge is one second; fire the timer until the mail is old enough to be taken.
        var redriven = await FireUntilAsync("Reconciler", logs => logs.Any(log => log.Message.StartsWith($"Re-drove {stored.Name}", StringComparison.Ordinal)));

        Assert.True(redriven);
        Assert.Equal([recipient], (await fixture.WaitForDeliveryAsync(recipient)).Recipients);
        Assert.Equal(MailOutcome.Delivered, (await fixture.WaitForOutcomeAsync(stored.Name)).Outcome);
    }

    [Fact]
    public async Task The_watchdog_timer_runs_the_watchdog_and_logs_its_decision()
    {
        var outcome = await fixture.Host.InvokeTimerAsync("Watchdog");

        Assert.True(outcome.Succeeded, outcome.Error);
        Assert.Contains(outcome.Logs, log => log.Category.EndsWith(".Watchdog", StringComparison.Ordinal) && log.Message.StartsWith("Watchdog ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_function_that_is_not_a_timer_cannot_be_fired_as_one() =>
        await Assert.ThrowsAsync<ArgumentException>(() => fixture.Host.InvokeTimerAsync("ScanMail"));

    private async Task<bool> FireUntilAsync(string function, Func<IReadOnlyList<Prefilter.DevServices.FunctionsHost.WorkerLogEntry>, bool> done)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        while (!timeout.IsCancellationRequested)
        {
            var outcome = await fixture.Host.InvokeTimerAsync(function, timeout.Token);
            Assert.True(outcome.Succeeded, outcome.Error);
            if (done(outcome.Logs))
            {
                return true;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), timeout.Token);
        }

        return false;
    }
}
