using System.CommandLine;
using System.Globalization;
using System.Net.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Prefilter.Cli.Ingress;
using Prefilter.Pipeline.Smtp;

namespace Prefilter.Cli.Commands;

/// <summary><c>prefilter ingress</c>: the SMTP door on its own, until Ctrl+C or SIGTERM.</summary>
internal static class IngressCommand
{
    public static Command Create()
    {
        var config = new Option<string?>("--config") { Description = "JSON settings file (same keys as the function app's settings: Storage, SmtpIngress, Domains)" };
        var listen = new Option<string?>("--listen") { Description = "Address to listen on (SmtpIngress:ListenAddress; default 127.0.0.1, 0.0.0.0 in a container)" };
        var port = new Option<int?>("--port") { Description = "Port (SmtpIngress:Port; default 2525, 25 for an MX)" };
        var command = new Command("ingress", "Run the SMTP ingress on its own: the door a domain's MX record points at") { config, listen, port };
        return command.WithHandler(async (parseResult, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>();
            if (parseResult.GetValue(listen) is { } address)
            {
                settings[$"{SmtpIngressOptions.SectionName}:{nameof(SmtpIngressOptions.ListenAddress)}"] = address;
            }

            if (parseResult.GetValue(port) is { } number)
            {
                settings[$"{SmtpIngressOptions.SectionName}:{nameof(SmtpIngressOptions.Port)}"] = number.ToString(CultureInfo.InvariantCulture);
            }

            using var host = IngressHost.Build(parseResult.GetValue(config), settings);
            try
            {
                await host.StartAsync(cancellationToken);
            }
            catch (Exception exception) when (exception is OptionsValidationException or SocketException or InvalidOperationException or FileNotFoundException or InvalidDataException)
            {
                throw new CommandException(ExitCodes.ServiceError, $"the SMTP ingress could not start: {exception.Message}");
            }

            var ingress = host.Services.GetRequiredService<SmtpIngress>();
            Console.WriteLine($"SMTP ingress listening on {ingress.EndPoint}, STARTTLS {(ingress.Certificate is null ? "off" : "on")}. Stop with Ctrl+C.");
            await host.WaitForShutdownAsync(cancellationToken);
            return ExitCodes.Success;
        });
    }
}
