using System.CommandLine;
using System.Text;

namespace Prefilter.Cli.Tests;

/// <summary>Runs one <c>prefilter</c> command in this process, capturing what it writes to the console.</summary>
internal static class CommandRun
{
    /// <summary>Parses and invokes <paramref name="command"/> with <paramref name="args"/>.</summary>
    /// <returns>The exit code, standard output and standard error.</returns>
    public static async Task<(int Exit, string Output, string Error)> RunAsync(Command command, params string[] args)
    {
        var root = new RootCommand { command };
        var parse = root.Parse([command.Name, .. args]);
        Assert.Empty(parse.Errors);
        var (originalOut, originalError) = (Console.Out, Console.Error);
        var (output, error) = (new StringWriter(new StringBuilder()), new StringWriter(new StringBuilder()));
        Console.SetOut(output);
        Console.SetError(error);
        try
        {
            var exit = await parse.InvokeAsync();
            return (exit, output.ToString(), error.ToString());
        }
        finally
        {
            Console.SetOut(originalOut);
            Console.SetError(originalError);
        }
    }
}
