using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Prefilter.Pipeline.Api;

namespace Prefilter.Functions.Functions;

/// <summary>Writes an <see cref="ApiResponse"/> as it is: status, headers, JSON body.</summary>
/// <param name="response">The handler's answer.</param>
internal sealed class ApiResult(ApiResponse response) : IActionResult
{
    /// <summary>Translates the worker's request for the API handlers.</summary>
    public static ApiRequest ToApiRequest(HttpRequest request) =>
        ApiRequest.Create(request.Method, request.Path.Value ?? "", request.Query, request.Headers, request.Body, request.ContentLength);

    public async Task ExecuteResultAsync(ActionContext context)
    {
        var http = context.HttpContext.Response;
        http.StatusCode = response.StatusCode;
        http.ContentType = response.ContentType;
        foreach (var (name, value) in response.Headers)
        {
            http.Headers[name] = value;
        }

        await http.Body.WriteAsync(response.Body, context.HttpContext.RequestAborted);
    }
}
