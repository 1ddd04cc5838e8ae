using System.CommandLine;
using Prefilter.Engine.Scanning;

namespace Prefilter.Cli.Commands;

/// <summary>Binds a command's handler so that <see cref="CommandException"/> becomes a message on stderr and its exit code.</summary>
internal static class CommandAction
{
    /// <summary>Sets <paramref name="handler"/> as the action of <paramref name="command"/>.</summary>
    public static Command WithHandler(this Command command, Func<ParseResult, CancellationToken, Task<int>> handler)
    {
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            try
            {
                return await handler(parseResult, cancellationToken);
            }
            catch (CommandException e)
            {
                Console.Error.WriteLine($"prefilter {command.Name}: {e.Message}");
                return e.ExitCode;
            }
            catch (PatternSetRejectedException e)
            {
                // Compiling a set lint refuses: the same findings lint prints, not a stack trace.
                Console.Error.WriteLine($"prefilter {command.Name}: the pattern set '{e.SetName}' is refused by lint:");
                foreach (var finding in e.Findings)
                {
                    Console.Error.WriteLine(FindingText.Format(e.SetName, finding));
                }

                return ExitCodes.Refused;
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                Console.Error.WriteLine($"prefilter {command.Name}: cancelled");
                return 130;
            }
        });
        return command;
    }

    /// <summary>Sets a synchronous handler.</summary>
    public static Command WithHandler(this Command command, Func<ParseResult, int> handler) =>
        command.WithHandler((parseResult, _) => Task.FromResult(handler(parseResult)));
}
