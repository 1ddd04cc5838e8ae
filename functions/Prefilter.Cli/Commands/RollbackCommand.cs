using System.CommandLine;
using Prefilter.Cli.Local;
using Prefilter.Pipeline.Api;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter rollback [--to v] [--reason r]</c>: <c>POST /api/patterns/rollback</c>.</summary>
internal static class RollbackCommand
{
    public static Command Create()
    {
        var to = new Option<string?>("--to") { Description = "Version to revert to (default: the last known good version)" };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit trail)" };
        var api = LocalApiClient.CreateUrlOption();
        var key = LocalApiClient.CreateKeyOption();
        var command = new Command("rollback", "Roll the pattern set back through the API (cancels any canary; idempotent)") { to, reason, api, key };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            using var client = LocalApiClient.Create(parseResult.GetValue(api), parseResult.GetValue(key));
            using var body = LocalApiClient.Json(new RollbackRequest(parseResult.GetValue(to), parseResult.GetValue(reason)));
            return await client.CallAsync(HttpMethod.Post, "patterns/rollback", body, cancellationToken);
        });
    }
}
