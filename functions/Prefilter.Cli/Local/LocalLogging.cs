using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Prefilter.Cli.Local;

/// <summary>What the local stack writes to the console: the pipeline's own lines at the chosen level, the framework's and the SDKs' only when they warn.</summary>
internal static class LocalLogging
{
    /// <summary>One line per entry on the console (<see cref="LocalConsoleFormatter"/>), at <paramref name="level"/> for the pipeline (<c>Prefilter.*</c>).</summary>
    /// <param name="logging">The host's logging.</param>
    /// <param name="level">The lowest level of the pipeline's own entries; <see cref="LogLevel.None"/> logs nothing.</param>
    public static void Configure(ILoggingBuilder logging, LogLevel level)
    {
        logging.ClearProviders();
        if (level == LogLevel.None)
        {
            return;
        }

        // Warnings and errors go to standard error, so a command's report on standard output (`loadtest --json`)
        // stays one JSON document whatever the stack logs meanwhile.
        logging.AddConsole(console =>
            {
                console.FormatterName = LocalConsoleFormatter.FormatterName;
                console.LogToStandardErrorThreshold = LogLevel.Warning;
            })
            .AddConsoleFormatter<LocalConsoleFormatter, LocalConsoleFormatterOptions>(formatter => formatter.IncludeStackTraces = level <= LogLevel.Debug)
            .SetMinimumLevel(level);

        // ASP.NET Core and the SDKs log each request at Information; at that level an operator would not find the
        // one line per mail and stage (scanned, relayed, quarantined) among them.
        logging.AddFilter("Microsoft", Max(level, LogLevel.Warning));
        logging.AddFilter("System", Max(level, LogLevel.Warning));
        logging.AddFilter("Azure", Max(level, LogLevel.Warning));

        // The SDK logs every 404/409 as a warning, though the pipeline expects them (create-if-absent, conditional writes).
        logging.AddFilter("Azure.Core", Max(level, LogLevel.Error));
    }

    private static LogLevel Max(LogLevel a, LogLevel b) => a > b ? a : b;
}
