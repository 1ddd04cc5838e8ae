using System.Globalization;
using Prefilter.Pipeline.Status;

namespace Prefilter.Pipeline.Api;

/// <summary>
/// <c>GET /api/status</c>: the status page (HTML, <see cref="StatusPage"/>), or with <c>Accept: application/json</c> the
/// <see cref="StatusReport"/> it draws beside <c>GET /api/patterns</c>. Query <c>hours</c> (1–<see cref="MaxHours"/>,
/// default <see cref="DefaultHours"/>) sets the range of the figures. The key check (401) is the host's, as for every route.
/// </summary>
public sealed class StatusApi
{
    /// <summary>The route below <c>/api/</c>.</summary>
    public const string Route = "status";

    /// <summary>Hours of figures without a <c>hours</c> query.</summary>
    public const int DefaultHours = 6;

    /// <summary>Most hours of figures one request may ask for.</summary>
    public const int MaxHours = 48;

    private readonly StatusReportService reports;

    /// <summary>Creates the API.</summary>
    /// <param name="reports">The figures.</param>
    public StatusApi(StatusReportService reports)
    {
        this.reports = reports ?? throw new ArgumentNullException(nameof(reports));
    }

    /// <summary>Answers a request for <c>/api/status</c>.</summary>
    /// <param name="request">The request.</param>
    /// <param name="cancellationToken">Cancels the reads.</param>
    /// <returns>The page, the report, or a problem (400 bad <c>hours</c>, 404 other path, 405 other method).</returns>
    /// <exception cref="Azure.RequestFailedException">Storage failed (the host answers 500; retry).</exception>
    /// <exception cref="Azure.Messaging.ServiceBus.ServiceBusException">The dead-letter queue cannot be read (500; retry).</exception>
    public async Task<ApiResponse> HandleAsync(ApiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        var path = request.Path.Trim('/');
        if (path != Route)
        {
            return ApiResponse.UnknownRoute(path);
        }

        if (!string.Equals(request.Method, "GET", StringComparison.OrdinalIgnoreCase))
        {
            return ApiResponse.MethodNotAllowed(request.Method.ToUpperInvariant(), path, "GET");
        }

        if (!WantsJson(request.Header("Accept")))
        {
            return StatusPage.Response;
        }

        var hours = request.QueryValue("hours");
        var range = DefaultHours;
        if (hours is not null && (!int.TryParse(hours, NumberStyles.None, CultureInfo.InvariantCulture, out range) || range is < 1 or > MaxHours))
        {
            return ApiResponse.Problem(400, $"query parameter 'hours' must be a whole number from 1 to {MaxHours}, not '{hours}'", new Dictionary<string, object?> { ["hours"] = hours });
        }

        return ApiResponse.Json(200, await reports.ReadAsync(TimeSpan.FromHours(range), cancellationToken).ConfigureAwait(false));
    }

    /// <summary>JSON when the client asks for it and not for HTML (a browser's navigation asks for <c>text/html</c>).</summary>
    private static bool WantsJson(string? accept) =>
        accept is not null
        && accept.Contains("application/json", StringComparison.OrdinalIgnoreCase)
        && !accept.Contains("text/html", StringComparison.OrdinalIgnoreCase);
}
