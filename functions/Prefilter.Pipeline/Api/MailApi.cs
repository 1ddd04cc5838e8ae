using Prefilter.Pipeline.Ingest;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Api;

/// <summary>
/// <c>POST /api/mail?from=…&amp;to=…</c> with a raw RFC 822 body: the HTTP door of <see cref="HttpIngest"/>, answering
/// 202 with the blob name (the receipt), or problem details with the status of <see cref="IngestRefusedException.StatusCode"/>
/// (400 bad envelope or empty body, 403 recipient not served, 413 too large, 503 policy unavailable).
/// </summary>
public sealed class MailApi
{
    /// <summary>The route below <c>/api/</c>.</summary>
    public const string Route = "mail";

    private readonly HttpIngest ingest;

    /// <summary>Creates the handler.</summary>
    /// <param name="ingest">The ingest stage.</param>
    public MailApi(HttpIngest ingest)
    {
        this.ingest = ingest ?? throw new ArgumentNullException(nameof(ingest));
    }

    /// <summary>Stores the posted mail in <c>incoming/</c>; nothing is stored when it is refused.</summary>
    /// <param name="request">The request; only POST is served.</param>
    /// <param name="cancellationToken">Cancels the read and the upload.</param>
    /// <exception cref="Azure.RequestFailedException">Storage failed; the host answers 500 and the client retries.</exception>
    public async Task<ApiResponse> HandleAsync(ApiRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (!string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            return ApiResponse.MethodNotAllowed(request.Method, Route, "POST");
        }

        try
        {
            var recipients = request.Query.TryGetValue(HttpIngest.RecipientsParameter, out var to) ? to.ToList() : [];
            if (request.Header(HttpIngest.RecipientsHeader) is { } header)
            {
                recipients.Add(header);
            }

            var envelope = HttpIngest.ParseEnvelope(request.QueryValue(HttpIngest.SenderParameter) ?? request.Header(HttpIngest.SenderHeader), recipients);
            var stored = await ingest.IngestAsync(request.Body, envelope, request.ContentLength, cancellationToken).ConfigureAwait(false);
            PipelineMetrics.Accepted(HttpIngest.IngressName);
            return ApiResponse.Json(202, new MailAccepted(stored.Name, envelope.Recipients));
        }
        catch (IngestRefusedException exception)
        {
            PipelineMetrics.Refused(HttpIngest.IngressName, exception.Refusal);
            return ApiResponse.Problem(exception.StatusCode, exception.Message, new Dictionary<string, object?>
            {
                ["refusal"] = exception.Refusal,
                ["recipients"] = exception.Recipients.Count > 0 ? exception.Recipients : null,
                ["retry"] = exception.IsTransient,
            });
        }
    }
}

/// <summary>The receipt of an accepted mail.</summary>
/// <param name="Blob">The mail's blob name in <c>incoming/</c>.</param>
/// <param name="Recipients">The envelope recipients it will be delivered to (unless quarantined).</param>
public sealed record MailAccepted(string Blob, IReadOnlyList<string> Recipients);
