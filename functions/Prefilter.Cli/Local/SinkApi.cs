using System.Globalization;
using MimeKit;
using Prefilter.DevServices.Smtp;
using Prefilter.Pipeline.Api;
using Prefilter.Pipeline.Delivery;

namespace Prefilter.Cli.Local;

/// <summary>
/// The local stack's window on its SMTP sink, the downstream that receives what delivery relays:
/// <c>GET /api/sink/messages</c> lists the messages, <c>GET /api/sink/messages/{id}</c> returns one as it arrived
/// (<c>message/rfc822</c>). Only <c>prefilter up</c> serves it; Azure has no sink.
/// </summary>
internal sealed class SinkApi(SmtpSink sink)
{
    /// <summary>The route below <c>/api/</c>.</summary>
    public const string Route = "sink/messages";

    /// <summary>Answers a request to <see cref="Route"/> or below it.</summary>
    /// <param name="request">The request.</param>
    public ApiResponse Handle(ApiRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Method != "GET")
        {
            return ApiResponse.MethodNotAllowed(request.Method, request.Path, "GET");
        }

        if (request.Path == Route)
        {
            return ApiResponse.Json(200, sink.Messages.Select(Summary).ToList());
        }

        var id = request.Path[(Route.Length + 1)..];
        if (!long.TryParse(id, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return ApiResponse.Problem(400, $"'{id}' is not a message id: ids are the numbers 'prefilter mail list' shows", new Dictionary<string, object?> { ["id"] = id });
        }

        return sink.Messages.FirstOrDefault(message => message.Sequence == sequence) is { } found
            ? new ApiResponse(200, "message/rfc822", found.Data)
            : ApiResponse.Problem(404, $"the sink holds no message {sequence}", new Dictionary<string, object?> { ["id"] = sequence });
    }

    private static SinkMessageSummary Summary(SmtpSinkMessage message)
    {
        using var stream = new MemoryStream(message.Data, writable: false);
        var headers = HeaderList.Load(stream);
        return new SinkMessageSummary(
            message.Sequence,
            message.Sender,
            message.Recipients,
            headers[HeaderId.Subject],
            headers[VerdictHeaders.Verdict],
            headers[VerdictHeaders.Score],
            message.Data.Length);
    }
}

/// <summary>One message the sink received, as <c>prefilter mail list</c> shows it.</summary>
/// <param name="Id">The sink's number for it (<c>prefilter mail show {id}</c>).</param>
/// <param name="From">The envelope sender.</param>
/// <param name="To">The envelope recipients.</param>
/// <param name="Subject">Its Subject, if any.</param>
/// <param name="Verdict">The verdict header delivery stamped on it.</param>
/// <param name="Score">The score header delivery stamped on it.</param>
/// <param name="Size">Its size in bytes.</param>
internal sealed record SinkMessageSummary(long Id, string From, IReadOnlyList<string> To, string? Subject, string? Verdict, string? Score, int Size);
