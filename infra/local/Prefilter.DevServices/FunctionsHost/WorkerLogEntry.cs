using Microsoft.Extensions.Logging;

namespace Prefilter.DevServices.FunctionsHost;

/// <summary>A log entry the worker sent over the event stream (<c>RpcLog</c>).</summary>
/// <param name="Level">Its level.</param>
/// <param name="Category">The logger category, e.g. <c>Prefilter.Pipeline.Scanning.ScanStage</c>.</param>
/// <param name="Message">The rendered message.</param>
/// <param name="InvocationId">The invocation it belongs to, or null for the worker's own entries.</param>
/// <param name="Exception">The exception's type and message, or null.</param>
public sealed record WorkerLogEntry(LogLevel Level, string Category, string Message, string? InvocationId, string? Exception)
{
    /// <inheritdoc />
    public override string ToString() =>
        Exception is null ? $"{Level} {Category}: {Message}" : $"{Level} {Category}: {Message} ({Exception})";
}
