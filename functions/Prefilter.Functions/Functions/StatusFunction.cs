using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Prefilter.Pipeline.Api;

namespace Prefilter.Functions.Functions;

/// <summary>
/// The status page and its figures (<see cref="StatusApi"/>). The function key (level Function) is checked by the host:
/// a browser opens the page as <c>/api/status?code=KEY</c>, and the page sends the key with its own requests.
/// </summary>
/// <param name="api">The handler shared with <c>prefilter up</c>.</param>
public sealed class StatusFunction(StatusApi api)
{
    /// <summary>The function name.</summary>
    public const string Name = "Status";

    /// <summary>Answers <c>GET /api/status</c>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Client gone or host shutdown.</param>
    [Function(Name)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "get", "post", "put", "patch", "delete", Route = StatusApi.Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ApiResult(await api.HandleAsync(ApiResult.ToApiRequest(request), cancellationToken));
}
