using System.CommandLine;
using System.Runtime.InteropServices;
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
    MailCommand.Create(),
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

// The first Ctrl+C or SIGTERM (a service manager, `kill`) stops the command cleanly: servers it started are stopped,
// however long that takes; a second one kills the process. System.CommandLine's own handling is off: it would end
// the process two seconds after the signal, in the middle of a command's shutdown.
using var cancellation = new CancellationTokenSource();
void Stop(PosixSignalContext context)
{
    context.Cancel = !cancellation.IsCancellationRequested;

    try
    {
        // Cancel() would run the command's whole shutdown inline on the signal thread; CancelAsync hands it to the pool.
        _ = cancellation.CancelAsync();
    }
    catch (ObjectDisposedException)
    {
        // A signal while the process ends, after the command returned: nothing left to stop.
    }
}

using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
return await parseResult.InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null }, cancellation.Token);
