using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prefilter.Pipeline.Smtp;

namespace Prefilter.Cli.Ingress;

/// <summary>
/// The SMTP door as a long-running process (<c>prefilter ingress</c>): the same <see cref="SmtpIngress"/>, mail store
/// and domain policy as <c>prefilter up</c>, configured like the function app. In Azure it runs as a container with the
/// app's user-assigned identity: <c>Storage__blobServiceUri</c> and <c>AZURE_CLIENT_ID</c> reach storage without keys,
/// <c>SmtpIngress__CertificatePath</c> names the Key Vault certificate mounted as a secret volume.
/// </summary>
internal static class IngressHost
{
    /// <summary>
    /// Builds the host. Configuration, later sources winning: an optional JSON file, environment variables
    /// (<c>SmtpIngress__Port=25</c>), then <paramref name="settings"/>.
    /// </summary>
    /// <param name="configFile">A JSON settings file, or null.</param>
    /// <param name="settings">Settings on top of everything else (the command line's, or a test's).</param>
    public static IHost Build(string? configFile, IReadOnlyDictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, ContentRootPath = AppContext.BaseDirectory });
        if (configFile is not null)
        {
            builder.Configuration.AddJsonFile(Path.GetFullPath(configFile), optional: false);
        }

        builder.Configuration.AddEnvironmentVariables();
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Logging.AddSimpleConsole(options => options.SingleLine = true);

        // A start-up failure is reported by the command in one line; the host would log it again with a stack trace.
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None);
        builder.Services.AddPrefilterSmtpIngress(builder.Configuration);
        return builder.Build();
    }
}
