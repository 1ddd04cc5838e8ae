using Prefilter.Engine.Gating;

namespace Prefilter.Engine.Tests.Gating;

public sealed class ScanCostClockTests
{
    [Fact]
    public void Time_the_scanning_thread_spends_waiting_is_not_counted_on_linux()
    {
        if (!OperatingSystem.IsLinux())
        {
            Assert.Equal(CostClock.Wall, ScanCostClock.Kind);
            return;
        }

        // Waiting is what a thread does when a busy neighbour holds its core: it must not count as the scan's cost.
        var (result, cost) = ScanCostClock.Measure(() =>
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(300));
            return 42;
        });

        Assert.Equal(CostClock.ThreadCpu, ScanCostClock.Kind);
        Assert.Equal(42, result);
        Assert.True(cost < TimeSpan.FromMilliseconds(100), $"a sleeping thread cost {cost}");
    }

    [Fact]
    public void Work_on_the_thread_is_counted()
    {
        var (_, cost) = ScanCostClock.Measure(() =>
        {
            var sum = 0L;
            for (var i = 0; i < 50_000_000; i++)
            {
                sum += i % 7;
            }

            return sum;
        });

        Assert.True(cost > TimeSpan.Zero);
    }
}
