namespace Prefilter.DevServices.FunctionsHost;

/// <summary>What a <see cref="FunctionsHostStandIn"/> runs and how long it waits.</summary>
public sealed class FunctionsHostStandInOptions
{
    /// <summary>The published function app (<c>dotnet publish -o</c>), holding <c>worker.config.json</c>.</summary>
    public required string AppDirectory { get; set; }

    /// <summary>
    /// The app settings, handed to the worker as environment variables the way the platform does (a <c>:</c> in a
    /// name becomes <c>__</c>). A null value removes a variable the worker would otherwise inherit.
    /// </summary>
    public IDictionary<string, string?> AppSettings { get; } = new Dictionary<string, string?>(StringComparer.Ordinal);

    /// <summary>
    /// The longest wait for each start-up step (event stream opened, init, indexing, each load). A worker that
    /// neither answers nor exits within it fails the start with a <see cref="FunctionsHostException"/> instead of
    /// hanging; one minute leaves a cold .NET start on a busy machine room.
    /// </summary>
    public TimeSpan StartupTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The longest wait for one invocation's response (the host's <c>functionTimeout</c> plays this role).</summary>
    public TimeSpan InvocationTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How long a worker told to terminate gets to stop on its own before it is killed.</summary>
    public TimeSpan TerminateGracePeriod { get; set; } = TimeSpan.FromSeconds(10);
}
