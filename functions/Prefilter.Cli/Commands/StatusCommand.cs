using System.CommandLine;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter status</c>: <c>GET /api/patterns</c> — active, last known good, canary, history, versions.</summary>
internal static class StatusCommand
{
    public static Command Create()
    {
        var api = LocalApiClient.CreateUrlOption();
        var key = LocalApiClient.CreateKeyOption();
        var command = new Command("status", "Show the release state through the API: active set, last known good, canary, history, stored versions") { api, key };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            using var client = LocalApiClient.Create(parseResult.GetValue(api), parseResult.GetValue(key));
            return await client.CallAsync(HttpMethod.Get, "patterns", null, cancellationToken);
        });
    }
}
