namespace Prefilter.DevServices.FunctionsHost;

/// <summary>What the worker answered to one invocation.</summary>
/// <param name="InvocationId">The invocation.</param>
/// <param name="Succeeded">Whether the function completed (status Success).</param>
/// <param name="Error">The exception's type and message when it failed, else null.</param>
/// <param name="Logs">The log entries the worker sent for this invocation, in arrival order up to its response.</param>
public sealed record InvocationOutcome(string InvocationId, bool Succeeded, string? Error, IReadOnlyList<WorkerLogEntry> Logs);
