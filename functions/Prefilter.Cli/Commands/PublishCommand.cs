using System.CommandLine;
using System.Net.Http.Headers;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Commands;

/// <summary>
/// <c>prefilter publish &lt;set&gt;</c>: <c>POST /api/patterns</c>, then follows the release's status until the gate
/// run ends: 0 canary or active, 1 refused (by lint at once, or by the gate), 5 the gate run failed.
/// </summary>
internal static class PublishCommand
{
    public static Command Create()
    {
        var set = new Argument<string>("set") { Description = "Pattern-set JSON file" };
        var force = new Option<bool>("--force") { Description = "Release even if the gate refuses the set (audited; needs --reason)" };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded in the audit trail; required with --force)" };
        var api = LocalApiClient.CreateUrlOption();
        var key = LocalApiClient.CreateKeyOption();
        var command = new Command("publish", "Publish a pattern set through the API and follow its release: gate on the production engine, then canary") { set, force, reason, api, key };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            var path = parseResult.GetValue(set)!;
            var forced = parseResult.GetValue(force);
            var why = parseResult.GetValue(reason);
            if (forced && string.IsNullOrWhiteSpace(why))
            {
                throw new CommandException(ExitCodes.Usage, "--force needs --reason: an override is audited");
            }

            byte[] content;
            try
            {
                content = await File.ReadAllBytesAsync(path, cancellationToken);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                throw new CommandException(ExitCodes.InputError, $"cannot read {path}: {exception.Message}");
            }

            var query = forced ? $"?force=true&reason={Uri.EscapeDataString(why!)}" : why is null ? "" : $"?reason={Uri.EscapeDataString(why)}";
            using var client = LocalApiClient.Create(parseResult.GetValue(api), parseResult.GetValue(key));
            using var body = new ByteArrayContent(content) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };
            return await client.PublishAsync("patterns" + query, body, TimeSpan.FromSeconds(1), cancellationToken);
        });
    }
}
