using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;
using Microsoft.Extensions.Options;

namespace Prefilter.Cli.Local;

/// <summary>
/// The local stack's console lines: one line per entry (<c>info: Category[event] message</c>, as the simple console
/// writes them). An entry with an exception says the exception's type and message on the same line; its stack trace
/// follows, one indented line per line, only when <see cref="LocalConsoleFormatterOptions.IncludeStackTraces"/> (at
/// debug level): at the default level a failure is one line with its reason, not kilobytes of trace.
/// </summary>
internal sealed class LocalConsoleFormatter : ConsoleFormatter
{
    /// <summary>The name the formatter is registered under.</summary>
    public const string FormatterName = "prefilter";

    private readonly bool includeStackTraces;

    /// <summary>Creates the formatter as the console logger does.</summary>
    /// <param name="options">Whether stack traces are written.</param>
    public LocalConsoleFormatter(IOptionsMonitor<LocalConsoleFormatterOptions> options)
        : this(options.CurrentValue.IncludeStackTraces)
    {
    }

    /// <summary>Creates the formatter.</summary>
    /// <param name="includeStackTraces">Whether an exception's stack trace follows its entry.</param>
    public LocalConsoleFormatter(bool includeStackTraces)
        : base(FormatterName)
    {
        this.includeStackTraces = includeStackTraces;
    }

    /// <inheritdoc />
    public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
    {
        var message = logEntry.Formatter?.Invoke(logEntry.State, logEntry.Exception);
        if (message is null && logEntry.Exception is null)
        {
            return;
        }

        textWriter.Write(Label(logEntry.LogLevel));
        textWriter.Write(": ");
        textWriter.Write(logEntry.Category);
        textWriter.Write('[');
        textWriter.Write(logEntry.EventId.Id);
        textWriter.Write("] ");
        textWriter.Write(message?.ReplaceLineEndings(" "));
        if (logEntry.Exception is not { } exception)
        {
            textWriter.WriteLine();
            return;
        }

        textWriter.Write(message is null ? "" : " ");
        textWriter.WriteLine(Reason(exception));
        if (includeStackTraces)
        {
            foreach (var line in exception.ToString().Split('\n'))
            {
                textWriter.Write("    ");
                textWriter.WriteLine(line.TrimEnd('\r'));
            }
        }
    }

    // The exception and its causes, innermost last, each as "Type: message" on one line.
    private static string Reason(Exception exception)
    {
        var parts = new List<string>();
        for (var current = exception; current is not null; current = current.InnerException)
        {
            parts.Add($"{current.GetType().Name}: {current.Message.ReplaceLineEndings(" ")}");
        }

        return "(" + string.Join(" <- ", parts) + ")";
    }

    private static string Label(LogLevel level) => level switch
    {
        LogLevel.Trace => "trce",
        LogLevel.Debug => "dbug",
        LogLevel.Information => "info",
        LogLevel.Warning => "warn",
        LogLevel.Error => "fail",
        _ => "crit",
    };
}

/// <summary>Options of <see cref="LocalConsoleFormatter"/>.</summary>
internal sealed class LocalConsoleFormatterOptions : ConsoleFormatterOptions
{
    /// <summary>Whether an exception's stack trace follows its entry (on at debug level).</summary>
    public bool IncludeStackTraces { get; set; }
}
