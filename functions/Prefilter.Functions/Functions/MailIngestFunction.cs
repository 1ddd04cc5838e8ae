using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Prefilter.Pipeline.Api;

namespace Prefilter.Functions.Functions;

/// <summary><c>POST /api/mail?from=…&amp;to=…</c>: raw RFC 822 in, a blob in <c>incoming/</c> out (see <see cref="MailApi"/>).</summary>
/// <param name="api">The handler shared with <c>prefilter up</c>.</param>
public sealed class MailIngestFunction(MailApi api)
{
    /// <summary>The function name.</summary>
    public const string Name = "HttpIngest";

    /// <summary>Stores the mail; 202 with the blob name, or problem details (400, 403, 413, 503).</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Client gone or host shutdown.</param>
    [Function(Name)]
    public async Task<IActionResult> RunAsync(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = MailApi.Route)] HttpRequest request,
        CancellationToken cancellationToken) =>
        new ApiResult(await api.HandleAsync(ApiResult.ToApiRequest(request), cancellationToken));
}
