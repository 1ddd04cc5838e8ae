using System.CommandLine;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter watchdog</c>: <c>POST /api/patterns/watchdog</c> — one watchdog run now.</summary>
internal static class WatchdogCommand
{
    public static Command Create()
    {
        var api = LocalApiClient.CreateUrlOption();
        var key = LocalApiClient.CreateKeyOption();
        var command = new Command("watchdog", "Run the watchdog once through the API: compare canary with active; roll back, advance, promote or wait") { api, key };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            using var client = LocalApiClient.Create(parseResult.GetValue(api), parseResult.GetValue(key));
            return await client.CallAsync(HttpMethod.Post, "patterns/watchdog", null, cancellationToken);
        });
    }
}
