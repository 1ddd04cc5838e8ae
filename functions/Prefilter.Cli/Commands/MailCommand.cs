using System.CommandLine;
using System.Globalization;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Commands;

/// <summary>
/// <c>prefilter mail list</c> and <c>prefilter mail show {id}</c>: what the local stack's SMTP sink received, through
/// <c>up</c>'s API (<c>GET /api/sink/messages</c>).
/// </summary>
internal static class MailCommand
{
    public static Command Create()
    {
        var command = new Command("mail", "Read the mail the local stack delivered to its SMTP sink (prefilter up only)");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        return command;
    }

    private static Command List()
    {
        var api = LocalApiClient.CreateUrlOption();
        var key = LocalApiClient.CreateKeyOption();
        var command = new Command("list", "List the messages the sink received: id, envelope, Subject, the verdict and score delivery stamped, size") { api, key };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            using var client = LocalApiClient.Create(parseResult.GetValue(api), parseResult.GetValue(key));
            return await client.CallAsync(HttpMethod.Get, SinkApi.Route, null, cancellationToken);
        });
    }

    private static Command Show()
    {
        var id = new Argument<long>("id") { Description = "The message's id, as 'prefilter mail list' shows it" };
        var api = LocalApiClient.CreateUrlOption();
        var key = LocalApiClient.CreateKeyOption();
        var command = new Command("show", "Print one message as the sink received it (headers delivery added included)") { id, api, key };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            using var client = LocalApiClient.Create(parseResult.GetValue(api), parseResult.GetValue(key));
            return await client.CallAsync(HttpMethod.Get, $"{SinkApi.Route}/{parseResult.GetValue(id).ToString(CultureInfo.InvariantCulture)}", null, cancellationToken);
        });
    }
}
