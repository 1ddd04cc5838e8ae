namespace Prefilter.DevServices.FunctionsHost;

/// <summary>A function the worker listed at indexing and loaded on request.</summary>
/// <param name="Name">The function name (the <c>[Function]</c> attribute's).</param>
/// <param name="FunctionId">The id the worker gave it; invocations name the function by this id.</param>
/// <param name="Bindings">Its bindings, in the worker's order.</param>
public sealed record WorkerFunction(string Name, string FunctionId, IReadOnlyList<WorkerBinding> Bindings)
{
    /// <summary>The one trigger binding.</summary>
    /// <exception cref="InvalidOperationException">The function has no trigger or several.</exception>
    public WorkerBinding Trigger =>
        Bindings.Where(binding => binding.IsTrigger).ToList() is [var trigger]
            ? trigger
            : throw new InvalidOperationException($"function {Name} does not have exactly one trigger binding");
}
