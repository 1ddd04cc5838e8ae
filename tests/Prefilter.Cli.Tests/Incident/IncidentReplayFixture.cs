using Prefilter.Cli.Incident;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Tests.Incident;

/// <summary>
/// One incident replay for all its tests: a stack of its own (the shared local stack runs the production canary plan,
/// 1 % first stage and 200 minimum samples, which would take minutes of mail), the replay run once, its report kept.
/// </summary>
public sealed class IncidentReplayFixture : IAsyncLifetime
{
    private LocalStack? stack;

    internal LocalStack Stack => stack ?? throw new InvalidOperationException("not started");

    internal IncidentReport Report { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        stack = await IncidentReplay.StartStackAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(8));
        Report = await new IncidentReplay(stack).RunAsync(timeout.Token);
    }

    public async Task DisposeAsync()
    {
        if (stack is not null)
        {
            await stack.DisposeAsync();
        }
    }
}
