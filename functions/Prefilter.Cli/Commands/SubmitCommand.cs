using System.CommandLine;
using System.Net.Sockets;
using MailKit;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter submit &lt;files|dir&gt;</c>: feeds mail files into the pipeline through the SMTP ingress (default) or HTTP ingest.</summary>
internal static class SubmitCommand
{
    public static Command Create()
    {
        var paths = new Argument<string[]>("paths") { Description = "Mail files (RFC 822), or folders of them", Arity = ArgumentArity.OneOrMore };
        var smtp = new Option<string?>("--smtp") { Description = $"SMTP ingress host:port (default: the running 'prefilter up', else 127.0.0.1:{LocalStackOptions.DefaultSmtpPort})" };
        var http = new Option<string?>("--http") { Description = "HTTP ingest URL instead of SMTP, e.g. http://127.0.0.1:7071/api/mail" };
        var to = new Option<string[]>("--to") { Description = "Envelope recipient(s)", DefaultValueFactory = _ => ["user@example.com"], AllowMultipleArgumentsPerToken = true };
        var from = new Option<string>("--from") { Description = "Envelope sender", DefaultValueFactory = _ => "submit@prefilter.localhost" };
        var key = LocalApiClient.CreateKeyOption();
        var command = new Command("submit", "Send mail files into the local pipeline (SMTP ingress by default)") { paths, smtp, http, to, from, key };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            var files = parseResult.GetValue(paths)!.SelectMany(Inputs.MailFiles).ToList();
            var recipients = parseResult.GetValue(to)!;
            var sender = parseResult.GetValue(from)!;
            var local = LocalState.TryRead();
            await using var submitter = await OpenAsync(parseResult.GetValue(smtp), parseResult.GetValue(http), parseResult.GetValue(key), sender, recipients, local, cancellationToken);

            var refused = 0;
            var progress = new Progress("submit", files.Count);
            for (var i = 0; i < files.Count; i++)
            {
                var refusal = await submitter.SubmitAsync(await File.ReadAllBytesAsync(files[i], cancellationToken), cancellationToken);
                if (refusal is not null)
                {
                    refused++;
                    Console.Error.WriteLine($"{files[i]}: refused: {refusal}");
                }

                progress.Report(i + 1);
            }

            Console.WriteLine($"submitted {files.Count - refused} of {files.Count} mail(s) to {string.Join(", ", recipients)}");
            return refused == 0 ? ExitCodes.Success : ExitCodes.Refused;
        });
    }

    private static async Task<MailSubmitter> OpenAsync(string? smtp, string? http, string? key, string sender, IReadOnlyList<string> recipients, LocalState? local, CancellationToken cancellationToken)
    {
        if (http is not null)
        {
            return Uri.TryCreate(http, UriKind.Absolute, out var url)
                ? MailSubmitter.ForHttp(url, key ?? Environment.GetEnvironmentVariable(LocalApiClient.KeyVariable) ?? local?.ApiKey, sender, recipients)
                : throw new CommandException(ExitCodes.Usage, $"--http: '{http}' is not an absolute URL");
        }

        var endpoint = smtp ?? local?.Smtp ?? $"127.0.0.1:{LocalStackOptions.DefaultSmtpPort}";
        var colon = endpoint.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(endpoint[(colon + 1)..], out var port))
        {
            throw new CommandException(ExitCodes.Usage, $"--smtp: expected host:port, not '{endpoint}'");
        }

        try
        {
            return await MailSubmitter.ConnectSmtpAsync(endpoint[..colon], port, sender, recipients, cancellationToken);
        }
        catch (Exception exception) when (exception is SocketException or IOException or ProtocolException)
        {
            throw new CommandException(ExitCodes.ServiceError, $"cannot reach the SMTP ingress at {endpoint}: {exception.Message} (is 'prefilter up' running?)");
        }
    }
}
