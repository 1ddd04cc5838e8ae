namespace Prefilter.DevServices.FunctionsHost;

/// <summary>
/// The worker did not do what the host asked: it exited, answered a request with a failure, or did not answer in
/// time. Whatever the worker printed goes with it, since that is where a start-up failure's reason is.
/// </summary>
public sealed class FunctionsHostException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, with the worker's own error when it sent one.</param>
    /// <param name="workerOutput">The tail of the worker process's standard output and error.</param>
    /// <param name="innerException">The cause on the stand-in's side, if any.</param>
    public FunctionsHostException(string message, string workerOutput, Exception? innerException = null)
        : base(string.IsNullOrWhiteSpace(workerOutput) ? message : $"{message}{Environment.NewLine}worker output:{Environment.NewLine}{workerOutput}", innerException)
    {
        WorkerOutput = workerOutput;
    }

    /// <summary>The tail of the worker process's standard output and error when this was thrown.</summary>
    public string WorkerOutput { get; }
}
