using System.CommandLine;
using System.Net.Sockets;
using System.Text.Encodings.Web;
using System.Text.Json;
using Prefilter.Cli.Incident;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Commands;

/// <summary>
/// <c>prefilter replay-incident [--json]</c>: starts a local stack and replays the incident (costly rule combination
/// refused by the gate, forced, rolled back by the watchdog in the first canary stage, nothing lost).
/// </summary>
internal static class ReplayIncidentCommand
{
    // Relaxed escaping keeps '×' and quotes readable in the refusal sentences; the output goes to a terminal or a file, not into HTML.
    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print the report as one JSON object (steps go to stderr as they happen)" };
        var rate = new Option<double>("--rate") { Description = "Mail per second fed through the SMTP ingress", DefaultValueFactory = _ => new IncidentReplayOptions().MailsPerSecond };
        var command = new Command("replay-incident", "Replay the incident locally: with mail flowing, a costly rule combination is refused by the gate, forced past it, and rolled back by the watchdog in the first canary stage; nothing is lost") { json, rate };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            var asJson = parseResult.GetValue(json);
            var progress = asJson ? Console.Error : Console.Out;
            var mailsPerSecond = parseResult.GetValue(rate);
            if (!(mailsPerSecond > 0 && mailsPerSecond <= 1000))
            {
                throw new CommandException(ExitCodes.Usage, $"--rate must be above 0 and at most 1000 mails per second, not {mailsPerSecond}");
            }

            progress.WriteLine("starting Azurite, the Service Bus dev broker, the SMTP sink and the pipeline on free ports…");
            LocalStack stack;
            try
            {
                stack = await IncidentReplay.StartStackAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is IOException or SocketException or InvalidOperationException)
            {
                throw new CommandException(ExitCodes.ServiceError, $"could not start: {exception.Message}");
            }

            await using (stack)
            {
                var replay = new IncidentReplay(
                    stack,
                    new IncidentReplayOptions { MailsPerSecond = mailsPerSecond },
                    step => progress.WriteLine($"[{step.AtSeconds,6:0.0} s] {step.Text}"));
                IncidentReport report;
                try
                {
                    report = await replay.RunAsync(cancellationToken);
                }
                catch (Exception exception) when (exception is Azure.RequestFailedException or Azure.Messaging.ServiceBus.ServiceBusException)
                {
                    throw new CommandException(ExitCodes.ServiceError, $"a local service failed: {exception.Message}");
                }

                // Printed before the stack stops, so a failure while stopping cannot swallow the report.
                Console.WriteLine(asJson ? JsonSerializer.Serialize(report, JsonOptions) : IncidentText.Format(report));

                // Exit code 1: the replay ran but did not show every property (the [NO] lines, or "shown": false).
                return report.Shown ? ExitCodes.Success : ExitCodes.Refused;
            }
        });
    }
}
