using System.CommandLine;
using Prefilter.Cli;
using Prefilter.Cli.Commands;

var root = new RootCommand("prefilter: the serverless mail pre-filter's command line")
{
    LintCommand.Create(),
    ScanCommand.Create(),
    ImportSaCommand.Create(),
    BenchCommand.Create(),
    GateCommand.Create(),
    UpCommand.Create(),
    SubmitCommand.Create(),
    PublishCommand.Create(),
    RollbackCommand.Create(),
    StatusCommand.Create(),
    WatchdogCommand.Create(),
    ReplayIncidentCommand.Create(),
    LoadTestCommand.Create(),
    IngressCommand.Create(),
};

var parseResult = root.Parse(args);
if (parseResult.Errors.Count > 0)
{
    foreach (var error in parseResult.Errors)
    {
        Console.Error.WriteLine($"prefilter: {error.Message}");
    }

    Console.Error.WriteLine("Run 'prefilter --help' for usage.");
    return ExitCodes.Usage;
}

using var cancellation = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    // The first Ctrl+C stops the command cleanly (servers it started are stopped); a second one kills the process.
    e.Cancel = !cancellation.IsCancellationRequested;
    cancellation.Cancel();
};

return await parseResult.InvokeAsync(cancellationToken: cancellation.Token);
