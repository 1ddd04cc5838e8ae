using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Prefilter.Pipeline.Api;

namespace Prefilter.Cli.Local;

/// <summary>
/// Serves the Functions app's HTTP routes on Kestrel with the same handlers (<see cref="MailApi"/>,
/// <see cref="PatternsApi"/>, <see cref="StatusApi"/>), so a curl command rehearsed locally is the one run against Azure;
/// and the local stack's own <see cref="SinkApi"/>.
/// </summary>
internal static class LocalApiServer
{
    /// <summary>Maps <c>/api/{**path}</c> to the handlers behind the key check.</summary>
    /// <param name="app">The web application.</param>
    /// <param name="key">The key check.</param>
    public static void MapPrefilterApi(this WebApplication app, LocalApiKey key)
    {
        app.Map("/api/{**path}", async context =>
        {
            var http = context.Request;
            var request = ApiRequest.Create(http.Method, http.Path.Value ?? "", http.Query, http.Headers, http.Body, http.ContentLength);
            var cancellationToken = context.RequestAborted;
            var response = !key.Allows(request) ? ApiResponse.Unauthorized()
                : request.Path == MailApi.Route ? await context.RequestServices.GetRequiredService<MailApi>().HandleAsync(request, cancellationToken)
                : request.Path == PatternsApi.Route || request.Path.StartsWith(PatternsApi.Route + "/", StringComparison.Ordinal)
                    ? await context.RequestServices.GetRequiredService<PatternsApi>().HandleAsync(request, cancellationToken)
                : request.Path == SinkApi.Route || request.Path.StartsWith(SinkApi.Route + "/", StringComparison.Ordinal)
                    ? context.RequestServices.GetRequiredService<SinkApi>().Handle(request)
                : request.Path == StatusApi.Route ? await context.RequestServices.GetRequiredService<StatusApi>().HandleAsync(request, cancellationToken)
                : ApiResponse.UnknownRoute(request.Path);

            context.Response.StatusCode = response.StatusCode;
            context.Response.ContentType = response.ContentType;
            foreach (var (name, value) in response.Headers)
            {
                context.Response.Headers[name] = value;
            }

            await context.Response.Body.WriteAsync(response.Body, cancellationToken);
        });
    }
}
