using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Tests;

/// <summary>The local stand-in for a timer trigger.</summary>
[Collection(LocalStackCollection.Name)]
public sealed class TimerTriggerTests(LocalStackFixture fixture)
{
    [Fact]
    public void The_local_stack_runs_both_timer_functions() =>
        Assert.Equal(
            ["Reconciler", "Watchdog"],
            fixture.Stack.Services.GetServices<IHostedService>().OfType<TimerTrigger>().Select(timer => timer.Name).Order(StringComparer.Ordinal));

    [Fact]
    public async Task With_run_at_start_the_job_runs_before_the_first_period_has_passed()
    {
        var ran = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var trigger = new TimerTrigger("Reconciler", _ => { ran.TrySetResult(); return Task.CompletedTask; }, TimeSpan.FromDays(1), TimeProvider.System, NullLogger<TimerTrigger>.Instance)
        {
            RunAtStart = true,
        };

        await trigger.StartAsync(CancellationToken.None);
        await ran.Task.WaitAsync(TimeSpan.FromMinutes(1));
        await trigger.StopAsync(CancellationToken.None);
    }
}
