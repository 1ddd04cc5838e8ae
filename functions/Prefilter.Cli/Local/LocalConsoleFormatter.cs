using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Prefilter.Cli.Local;

/// <summary>
/// The local stack's console lines: one line per entry (<c>info: Category[event] message</c>, as the simple console
/// writes them), and an exception below its entry, one indented line per line of it, rather than kilobytes of stack
/// trace on the entry's own line.
/// </summary>
internal sealed class LocalConsoleFormatter() : ConsoleFormatter(FormatterName)
{
    /// <summary>The name the formatter is registered under.</summary>
    public const string FormatterName = "prefilter";

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
        textWriter.WriteLine(message?.ReplaceLineEndings(" "));
        if (logEntry.Exception is { } exception)
        {
            foreach (var line in exception.ToString().Split('\n'))
            {
                textWriter.Write("    ");
                textWriter.WriteLine(line.TrimEnd('\r'));
            }
        }
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
