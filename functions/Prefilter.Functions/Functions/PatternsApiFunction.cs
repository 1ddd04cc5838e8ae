using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Prefilter.Pipeline.Api;

namespace Prefilter.Functions.Functions;

/// <summary>
/// The patterns API (<see cref="PatternsApi"/>): publish, status, versions, rollback, kill switch. One function for all
/// routes so a wrong method gets the same 405 as locally; the function key (level Function) is checked by the host.
/// </summary>
/// <param name="api">The handler shared with <c>prefilter up</c>.</param>
public sealed class PatternsApiFunction(PatternsApi api)
{
    /// <summary>The function name.</summary>
    public const string Name = "Patterns";

    /// <summary>Routes <c>/api/patterns[/…]</c> to the handler.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Client gone or host shutdown.</param>
    [Function(Name)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", "put", "patch", "delete", Route = PatternsApi.Route + "/{*rest}")] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ApiResult(await api.HandleAsync(ApiResult.ToApiRequest(request), cancellationToken));
}
