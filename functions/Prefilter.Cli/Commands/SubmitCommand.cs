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
        var connections = new Option<int>("--connections") { Description = "Mails sent at once, each over its own connection", DefaultValueFactory = _ => 4 };
        var command = new Command("submit", "Send mail files into the local pipeline (SMTP ingress by default)") { paths, smtp, http, to, from, key, connections };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            var files = parseResult.GetValue(paths)!.SelectMany(Inputs.MailFiles).ToList();
            var recipients = parseResult.GetValue(to)!;
            var sender = parseResult.GetValue(from)!;
            if (parseResult.GetValue(connections) < 1)
            {
                throw new CommandException(ExitCodes.Usage, "--connections must be at least 1");
            }

            var local = LocalState.TryRead();
            Task<MailSubmitter> Open() => OpenAsync(parseResult.GetValue(smtp), parseResult.GetValue(http), parseResult.GetValue(key), sender, recipients, local, cancellationToken);

            // The first connection is opened before any mail goes, so an ingress that is not there is one clear error.
            var first = await Open();
            var tally = new SubmitTally(files.Count);
            var queue = new System.Collections.Concurrent.ConcurrentQueue<string>(files);
            var workers = Enumerable.Range(0, Math.Clamp(files.Count, 1, parseResult.GetValue(connections)))
                .Select(i => SendAsync(i == 0 ? first : null, Open, queue, tally, cancellationToken))
                .ToList();
            await Task.WhenAll(workers);

            Console.WriteLine($"{tally.Accepted} accepted, {tally.Refused} refused, {tally.Failed} failed, of {files.Count} mail(s) to {string.Join(", ", recipients)}");
            return tally.Failed > 0 ? ExitCodes.ServiceError : tally.Refused > 0 ? ExitCodes.Refused : ExitCodes.Success;
        });
    }

    // One connection's share of the files. A connection that breaks is opened again and the mail sent once more;
    // a mail that fails twice is counted as failed (the door never answered 250 for it), and the rest still go.
    private static async Task SendAsync(MailSubmitter? submitter, Func<Task<MailSubmitter>> open, System.Collections.Concurrent.ConcurrentQueue<string> queue, SubmitTally tally, CancellationToken cancellationToken)
    {
        try
        {
            while (queue.TryDequeue(out var file))
            {
                var raw = await File.ReadAllBytesAsync(file, cancellationToken);
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        submitter ??= await open();
                        var refusal = await submitter.SubmitAsync(raw, cancellationToken);
                        tally.Done(file, refusal);
                        break;
                    }
                    catch (Exception exception) when (IsConnectionFailure(exception) && !cancellationToken.IsCancellationRequested)
                    {
                        await CloseQuietlyAsync(submitter);
                        submitter = null;
                        if (attempt == 2)
                        {
                            tally.Fail(file, exception);
                            break;
                        }
                    }
                }
            }
        }
        finally
        {
            await CloseQuietlyAsync(submitter);
        }
    }

    private static bool IsConnectionFailure(Exception exception) =>
        exception is CommandException or SocketException or IOException or ProtocolException or ServiceNotConnectedException or HttpRequestException;

    private static async Task CloseQuietlyAsync(MailSubmitter? submitter)
    {
        if (submitter is null)
        {
            return;
        }

        try
        {
            await submitter.DisposeAsync();
        }
        catch (Exception exception) when (IsConnectionFailure(exception))
        {
            // The connection is already gone; there is nothing left to close politely.
        }
    }

    /// <summary>Counts what happened to each mail, from several connections at once.</summary>
    private sealed class SubmitTally(int total)
    {
        private readonly Progress progress = new("submit", total);
        private readonly Lock gate = new();
        private int done;

        public int Accepted { get; private set; }

        public int Refused { get; private set; }

        public int Failed { get; private set; }

        public void Done(string file, string? refusal)
        {
            lock (gate)
            {
                if (refusal is null)
                {
                    Accepted++;
                }
                else
                {
                    Refused++;
                    Console.Error.WriteLine($"{file}: refused: {refusal}");
                }

                progress.Report(++done);
            }
        }

        public void Fail(string file, Exception exception)
        {
            lock (gate)
            {
                Failed++;
                Console.Error.WriteLine($"{file}: failed, not accepted: {exception.GetType().Name}: {exception.Message}");
                progress.Report(++done);
            }
        }
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
