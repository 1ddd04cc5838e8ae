using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Tests;

/// <summary>
/// Regressions the load test's faults exposed, each on a stack of its own with its data on disk: the faults here last
/// longer than the clients' own retries, which hide a short outage.
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class FaultRecoveryTests
{
    // The storage client tries six times over about 25 seconds (the table client four); an outage longer than that
    // reached the local pollers and the scan stats flush, which let the client's AggregateException escape: the host
    // stopped (BackgroundServiceExceptionBehavior.StopHost), or the scan watcher ended for good. loadtest --faults keeps
    // Azurite down 30 s.
    [Fact]
    public async Task Mail_accepted_after_Azurite_was_down_longer_than_the_storage_retries_is_delivered()
    {
        await using var run = await FaultStack.StartAsync();
        var lifetime = run.Stack.Services.GetRequiredService<IHostApplicationLifetime>();

        await run.Stack.Azurite.KillAsync();
        await Task.Delay(TimeSpan.FromSeconds(30));
        await run.Stack.Azurite.RestartAsync();
        var report = await new LoadTest(run.Stack, [.. Enumerable.Range(0, 5).Select(_ => LocalStackFixture.Ham().Raw)])
        {
            Connections = 1,
            Recipient = "user@example.org",
            DrainTimeout = TimeSpan.FromMinutes(1),
        }.RunAsync();

        Assert.Equal((5, 5, 0, 0), (report.Accepted, report.Delivered, report.Lost, report.Duplicated));
        Assert.False(lifetime.ApplicationStopping.IsCancellationRequested, "the host stopped");
    }

    // A stack whose Azurite and broker keep their data in a folder of its own, deleted with it.
    private sealed class FaultStack : IAsyncDisposable
    {
        private readonly string data;

        private FaultStack(string data, LocalStack stack)
        {
            this.data = data;
            Stack = stack;
        }

        public LocalStack Stack { get; }

        public static async Task<FaultStack> StartAsync()
        {
            var data = Directory.CreateTempSubdirectory("prefilter-faults-").FullName;
            var stack = await LocalStack.StartAsync(new LocalStackOptions
            {
                ApiPort = 0,
                SmtpPort = 0,
                DataDirectory = data,
                ConsoleLogLevel = Microsoft.Extensions.Logging.LogLevel.Error, // on failure, shows what stopped the host
                Settings = new Dictionary<string, string?>
                {
                    ["Delivery:Backoff:0"] = "00:00:01",

                    // Flushed during the outage, not only once it is over.
                    ["ScanStats:FlushInterval"] = "00:00:01",
                },
            });
            return new FaultStack(data, stack);
        }

        public async ValueTask DisposeAsync()
        {
            await Stack.DisposeAsync();
            Directory.Delete(this.data, recursive: true);
        }
    }
}
