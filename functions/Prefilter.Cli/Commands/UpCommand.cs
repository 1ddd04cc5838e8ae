using System.CommandLine;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter up</c>: the whole pipeline on this machine until Ctrl+C, with a live line of counts.</summary>
internal static class UpCommand
{
    public static Command Create()
    {
        var apiPort = new Option<int>("--api-port") { Description = "Port of the HTTP API on 127.0.0.1 (0: any free port)", DefaultValueFactory = _ => LocalStackOptions.DefaultApiPort };
        var smtpPort = new Option<int>("--smtp-port") { Description = "Port of the SMTP ingress on 127.0.0.1 (0: any free port)", DefaultValueFactory = _ => LocalStackOptions.DefaultSmtpPort };
        var set = new Option<string?>("--set") { Description = $"Pattern set to load (default: {Path.GetRelativePath(Environment.CurrentDirectory, LocalPatternSet.ImportedSpamAssassinPath)} when present, else the built-in default set)" };
        var key = new Option<string?>("--key") { Description = "API key to require (default: a new random key, printed and written to infra/local/.prefilter/up.json)" };
        var domains = new Option<string?>("--domains") { Description = "domains.json to serve (format in README.md, 'Domains'); its downstreams may be real MTAs. Default: example.com and example.org, relayed to the SMTP sink" };
        var data = new Option<string?>("--data") { Description = "Folder that keeps storage and the Service Bus queue across runs: after a crash, `up` on the same folder delivers the mail accepted before it (default: everything in memory, lost with the process)" };
        var otlp = new Option<string?>("--otlp") { Description = "Send the pipeline's spans and metrics over OTLP to this endpoint, e.g. http://127.0.0.1:4317 (gRPC) or http://127.0.0.1:4318 with --otlp-protocol http/protobuf" };
        var otlpProtocol = new Option<string>("--otlp-protocol") { Description = "The OTLP protocol, named as OTEL_EXPORTER_OTLP_PROTOCOL names it", DefaultValueFactory = _ => LocalTelemetry.Grpc };
        otlpProtocol.AcceptOnlyFromAmong(LocalTelemetry.Grpc, LocalTelemetry.HttpProtobuf);
        var consoleExporter = new Option<bool>("--console-exporter") { Description = "Write the pipeline's spans and metrics to standard output with OpenTelemetry's console exporter" };
        var logLevel = new Option<LogLevel>("--log-level") { Description = "Lowest level of the pipeline's console lines: information shows one line per mail at its outcome, debug adds each stage's line and failures' stack traces", DefaultValueFactory = _ => LogLevel.Information };
        var command = new Command("up", "Run the pipeline locally: Azurite, the Service Bus dev broker, an SMTP sink, SMTP ingress, scanning, delivery and the HTTP API") { apiPort, smtpPort, set, key, domains, data, logLevel, otlp, otlpProtocol, consoleExporter };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            var otlpEndpoint = OtlpEndpoint(parseResult.GetValue(otlp));
            var dataDirectory = parseResult.GetValue(data);
            var publishState = ClaimStateFile();
            Console.Error.WriteLine("starting Azurite, the Service Bus dev broker, the SMTP sink and the pipeline…");
            Console.Error.WriteLine(dataDirectory is null
                ? "note: without --data everything is kept in memory: if this process is killed, mail it answered 250 and has not delivered yet is lost"
                : $"data: kept in {Path.GetFullPath(dataDirectory)}; after a crash, `prefilter up --data {dataDirectory}` delivers what was accepted");
            LocalStack stack;
            try
            {
                stack = await LocalStack.StartAsync(
                    new LocalStackOptions
                    {
                        ApiPort = parseResult.GetValue(apiPort),
                        SmtpPort = parseResult.GetValue(smtpPort),
                        PatternSetPath = parseResult.GetValue(set),
                        ApiKey = parseResult.GetValue(key),
                        DomainsPath = parseResult.GetValue(domains),
                        DataDirectory = dataDirectory,
                        ConsoleLogLevel = parseResult.GetValue(logLevel),
                        OtlpEndpoint = otlpEndpoint,
                        OtlpProtocol = parseResult.GetValue(otlpProtocol) == LocalTelemetry.HttpProtobuf ? OtlpExportProtocol.HttpProtobuf : OtlpExportProtocol.Grpc,
                        ConsoleExporter = parseResult.GetValue(consoleExporter),
                        Progress = Console.Error.WriteLine,
                    },
                    cancellationToken);
            }
            catch (Exception exception) when (exception is IOException or SocketException or InvalidOperationException or UnauthorizedAccessException or InvalidDataException)
            {
                throw new CommandException(ExitCodes.ServiceError, $"could not start: {exception.Message}");
            }

            await using (stack)
            {
                var state = LocalState.OfThisProcess(stack.ApiUrl.ToString().TrimEnd('/'), stack.ApiKey, $"{stack.SmtpIngress.Address}:{stack.SmtpIngress.Port}");
                if (publishState)
                {
                    state.Write();
                }

                try
                {
                    PrintWhereToSend(stack, state, publishState);
                    await ShowCountsAsync(stack, cancellationToken);
                }
                finally
                {
                    state.Delete();
                    Console.Error.WriteLine();
                    Console.Error.WriteLine("stopping…");
                }
            }

            return ExitCodes.Success;
        });
    }

    private static Uri? OtlpEndpoint(string? value) =>
        value is null ? null
        : Uri.TryCreate(value, UriKind.Absolute, out var endpoint) && endpoint.Scheme is "http" or "https" ? endpoint
        : throw new CommandException(ExitCodes.Usage, $"--otlp: '{value}' is not an http or https URL such as http://127.0.0.1:4317");

    // Whether this run may write up.json: not while another running `up` owns it. A file whose process is gone was
    // left by a run that was killed, and commands would send to an address nobody serves: it is removed.
    private static bool ClaimStateFile()
    {
        if (LocalState.TryRead() is not { } existing)
        {
            return true;
        }

        var file = Path.GetRelativePath(Environment.CurrentDirectory, LocalState.FilePath);
        if (existing.IsRunning())
        {
            Console.Error.WriteLine($"note: another prefilter up (process {existing.ProcessId}) serves {existing.ApiUrl} and owns {file}; other commands keep using it, point them at this run with --api, --key and --smtp");
            return false;
        }

        Console.Error.WriteLine($"removing {file} left by an earlier run that did not stop cleanly (process {existing.ProcessId}, which served {existing.ApiUrl})");
        existing.Delete();
        return true;
    }

    private static void PrintWhereToSend(LocalStack stack, LocalState state, bool publishedState)
    {
        Console.WriteLine($"""
            prefilter is up. Stop with Ctrl+C.
              SMTP ingress   smtp://{state.Smtp}   STARTTLS with a self-signed certificate   (served domains: {string.Join(", ", stack.Domains)})
              HTTP ingest    POST {state.ApiUrl}/api/mail?from=sender@example.net&to=user@example.com
              patterns API   {state.ApiUrl}/api/patterns   (rollback, rules/disable, watchdog, versions/{"{version}"})
              status page    {state.ApiUrl}/api/status?code={Uri.EscapeDataString(state.ApiKey)}
              API key        {state.ApiKey}   (header x-functions-key or ?code={(publishedState ? $"; also in {Path.GetRelativePath(Environment.CurrentDirectory, LocalState.FilePath)}" : "")})
              downstream     {(stack.DomainsFile is { } file ? $"as {file} says" : $"SMTP sink on {stack.Sink.Host}:{stack.Sink.Port} for every served domain")}
              pattern set    {stack.PatternSource}
              storage        Azurite {stack.Azurite.BlobEndpoint}; Service Bus dev broker on 127.0.0.1:{stack.Broker.Port}; {stack.DataDirectory ?? "in memory"}
            Send mail:  prefilter submit <files|dir> --to user@example.com
            """);
    }

    private static async Task ShowCountsAsync(LocalStack stack, CancellationToken cancellationToken)
    {
        // A line when the counts change, not one rewritten in place: the pipeline's log lines come between them.
        string? last = null;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1));
        try
        {
            do
            {
                var line = (await stack.CountAsync(cancellationToken)).ToString();
                if (line != last)
                {
                    Console.WriteLine(line);
                }

                last = line;
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Ctrl+C: the caller stops everything.
        }
    }
}
