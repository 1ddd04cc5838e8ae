using Microsoft.Extensions.Logging;
using OpenTelemetry.Exporter;

namespace Prefilter.Cli.Local;

/// <summary>How <see cref="LocalStack"/> starts; the defaults are those of <c>prefilter up</c>.</summary>
internal sealed class LocalStackOptions
{
    /// <summary>The Functions host's default port, so curl commands read the same locally and in Azure.</summary>
    public const int DefaultApiPort = 7071;

    /// <summary>The SMTP ingress's default port.</summary>
    public const int DefaultSmtpPort = 2525;

    /// <summary>Port of the HTTP API on 127.0.0.1; 0 picks a free port (tests).</summary>
    public int ApiPort { get; init; } = DefaultApiPort;

    /// <summary>Port of the SMTP ingress on 127.0.0.1; 0 picks a free port (tests).</summary>
    public int SmtpPort { get; init; } = DefaultSmtpPort;

    /// <summary>The API key; null generates a random one.</summary>
    public string? ApiKey { get; init; }

    /// <summary>Pattern set to load at start; null for <see cref="LocalPatternSet"/>'s choice (imported SpamAssassin set, else the built-in default).</summary>
    public string? PatternSetPath { get; init; }

    /// <summary>Domains served, all relayed to the SMTP sink; ignored when <see cref="DomainsPath"/> is set.</summary>
    public IReadOnlyList<string> Domains { get; init; } = ["example.com", "example.org"];

    /// <summary>
    /// A <c>domains.json</c> to serve instead of <see cref="Domains"/>, in the format of <c>config/domains.json</c>
    /// (see <see cref="Pipeline.Domains.DomainPolicy"/>): its downstreams can be real MTAs, such as a local Postfix.
    /// </summary>
    public string? DomainsPath { get; init; }

    /// <summary>
    /// Folder that keeps Azurite's storage (<c>azurite/</c>) and the dev broker's journal (<c>servicebus/</c>) across
    /// runs, so mail accepted before a crash is delivered after a restart on the same folder; null keeps everything in
    /// memory, lost when the process ends.
    /// </summary>
    public string? DataDirectory { get; init; }

    /// <summary>How often the stand-in for Event Grid looks for new blobs in <c>incoming/</c> and <c>patterns/uploads/</c>.</summary>
    public TimeSpan BlobPollInterval { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>How long a gate request whose run threw stays invisible before it is taken again (host.json's queue <c>visibilityTimeout</c>).</summary>
    public TimeSpan GateRetryDelay { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>How often the reconciler and the watchdog run (their timer triggers in Azure).</summary>
    public TimeSpan TimerInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>Configuration on top of the stack's own (e.g. <c>Release:MaxSetBytes</c>), same keys as the Functions app's settings.</summary>
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    /// <summary>
    /// Lowest level of the pipeline's own entries on the console (<see cref="LocalLogging"/>); <see cref="LogLevel.None"/>
    /// logs nothing. Default <see cref="LogLevel.Information"/>: a line per mail at each stage.
    /// </summary>
    public LogLevel ConsoleLogLevel { get; init; } = LogLevel.Information;

    /// <summary>Where to send the pipeline's spans and metrics over OTLP (e.g. <c>http://127.0.0.1:4317</c>); null sends nothing.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>The protocol <see cref="OtlpEndpoint"/> speaks; over HTTP the signal's path (<c>v1/traces</c>, <c>v1/metrics</c>) is added to it.</summary>
    public OtlpExportProtocol OtlpProtocol { get; init; } = OtlpExportProtocol.Grpc;

    /// <summary>Whether OpenTelemetry's console exporter writes the pipeline's spans and metrics to standard output.</summary>
    public bool ConsoleExporter { get; init; }

    /// <summary>Told what a start is doing while it takes time (installing packages, releasing the start-up set); null is told nothing.</summary>
    public Action<string>? Progress { get; init; }
}
