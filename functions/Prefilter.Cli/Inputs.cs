using System.Globalization;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Cli;

/// <summary>Reads the files commands take, turning "not there" and "not a pattern set" into <see cref="CommandException"/>.</summary>
internal static class Inputs
{
    /// <summary>The largest pattern-set file read: the API's default limit (<c>Release:MaxSetBytes</c>), so a set the CLI accepts can be published.</summary>
    public const long MaxSetBytes = 16 * 1024 * 1024;

    /// <summary>Reads and parses a pattern-set document.</summary>
    public static PatternSet ReadPatternSet(string path)
    {
        var json = ReadSetText(path);
        try
        {
            return PatternSetJson.Parse(json);
        }
        catch (PatternSetFormatException e)
        {
            throw new CommandException(ExitCodes.InputError, $"{path}: {Describe(e)}");
        }
    }

    /// <summary>Reads a pattern-set file, refusing one over <see cref="MaxSetBytes"/> before reading it.</summary>
    public static string ReadSetText(string path)
    {
        try
        {
            if (new FileInfo(path) is { Exists: true, Length: > MaxSetBytes } file)
            {
                throw new CommandException(ExitCodes.InputError, string.Create(CultureInfo.InvariantCulture, $"{path} is {file.Length:N0} bytes; a pattern set may have at most {MaxSetBytes:N0}"));
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException(ExitCodes.InputError, $"cannot read {path}: {e.Message}");
        }

        return ReadText(path);
    }

    /// <summary>Reads a whole text file.</summary>
    private static string ReadText(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CommandException(ExitCodes.InputError, $"cannot read {path}: {e.Message}");
        }
    }

    /// <summary>The mail files a path names: the file itself, or every file below a folder in a stable order.</summary>
    public static IReadOnlyList<string> MailFiles(string path)
    {
        if (File.Exists(path))
        {
            return [path];
        }

        if (Directory.Exists(path))
        {
            return [.. Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                .Where(file => !file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && !Path.GetFileName(file).StartsWith('.'))
                .Order(StringComparer.Ordinal)];
        }

        throw new CommandException(ExitCodes.InputError, $"no such file or folder: {path}");
    }

    private static string Describe(PatternSetFormatException e) =>
        (e.RuleId, e.Line) switch
        {
            ({ } id, { } line) => $"rule {id} (line {line}): {e.Reason}",
            (null, { } line) => $"line {line}: {e.Reason}",
            ({ } id, null) => $"rule {id}: {e.Reason}",
            _ => e.Reason,
        };
}

/// <summary>A command stopped with a message for the operator and an exit code; not a bug.</summary>
internal sealed class CommandException(int exitCode, string message) : Exception(message)
{
    /// <summary>The process exit code to return.</summary>
    public int ExitCode { get; } = exitCode;
}
