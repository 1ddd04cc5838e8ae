using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Prefilter.Pipeline.Api;

namespace Prefilter.Cli.Local;

/// <summary>
/// Gives Kestrel's own rejections (400 for a request it cannot parse, 414 for a request line over its limit, 431 for
/// too many or too large header fields) a problem-details body, as every answer of the API has.
/// </summary>
/// <remarks>
/// Kestrel writes those answers while parsing, before any middleware runs, with an empty body and no hook to change
/// it; so this sits under HTTP, on the connection, and rewrites such an answer on its way out. It recognises one by
/// what only Kestrel writes here: an error status with <c>Content-Length: 0</c> and <c>Connection: close</c> (the
/// API's own errors always carry a body). Kestrel writes it in one flush after the previous answer was flushed whole,
/// so it starts a read of the connection's output.
/// </remarks>
internal static class RejectionProblemDetails
{
    private static readonly byte[] HeadEnd = "\r\n\r\n"u8.ToArray();

    /// <summary>Adds the rewrite to a listener's connection pipeline.</summary>
    /// <param name="listen">The listener.</param>
    /// <param name="limits">Kestrel's limits, named in the problem details.</param>
    public static ListenOptions UseRejectionProblemDetails(this ListenOptions listen, KestrelServerLimits limits)
    {
        listen.Use(next => async connection =>
        {
            var transport = connection.Transport;
            var output = new Pipe();
            connection.Transport = new DuplexPipe(transport.Input, output.Writer);
            var forward = ForwardAsync(output.Reader, transport.Output, limits);
            try
            {
                await next(connection);
            }
            finally
            {
                await output.Writer.CompleteAsync();
                await forward;
            }
        });
        return listen;
    }

    /// <summary>The answer to write instead of <paramref name="head"/>, or null when it is not a Kestrel rejection.</summary>
    /// <param name="head">A response head, status line to the blank line.</param>
    /// <param name="limits">Kestrel's limits, named in the detail.</param>
    internal static byte[]? Rewrite(string head, KestrelServerLimits limits)
    {
        var lines = head.Split("\r\n");
        var status = lines[0].Split(' ', 3);
        if (status.Length < 2 || !status[0].StartsWith("HTTP/", StringComparison.Ordinal)
            || !int.TryParse(status[1], out var code) || code < 400
            || !lines.Contains("Content-Length: 0", StringComparer.OrdinalIgnoreCase)
            || !lines.Contains("Connection: close", StringComparer.OrdinalIgnoreCase))
        {
            return null;
        }

        var problem = ApiResponse.Problem(code, Detail(code, limits));
        var rewritten = new StringBuilder();
        foreach (var line in lines.Where(line => line.Length > 0 && !line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase)))
        {
            rewritten.Append(line).Append("\r\n");
        }

        rewritten.Append($"Content-Type: {problem.ContentType}\r\nContent-Length: {problem.Body.Length}\r\n\r\n");
        return [.. Encoding.ASCII.GetBytes(rewritten.ToString()), .. problem.Body];
    }

    private static string Detail(int code, KestrelServerLimits limits) => code switch
    {
        414 => $"the request line is longer than the server's limit of {limits.MaxRequestLineSize} bytes",
        431 => $"the request's header fields are over the server's limits ({limits.MaxRequestHeaderCount} fields, {limits.MaxRequestHeadersTotalSize} bytes in all)",
        400 => "the request is not valid HTTP/1.1: its request line, a header field or its framing could not be parsed",
        _ => "the server refused the request before it reached the API",
    };

    private static async Task ForwardAsync(PipeReader from, PipeWriter to, KestrelServerLimits limits)
    {
        try
        {
            while (true)
            {
                var read = await from.ReadAsync();
                var buffer = read.Buffer;
                var rewritten = IsHead(buffer, out var head) ? Rewrite(head, limits) : null;
                if (rewritten is not null)
                {
                    await to.WriteAsync(rewritten);
                }
                else
                {
                    foreach (var segment in buffer)
                    {
                        await to.WriteAsync(segment);
                    }
                }

                from.AdvanceTo(buffer.End);
                if (read.IsCompleted)
                {
                    break;
                }
            }

            await from.CompleteAsync();
            await to.CompleteAsync();
        }
        catch (Exception exception)
        {
            // The client went away: Kestrel's next write on this connection must fail as it would on the socket.
            await from.CompleteAsync(exception);
            await to.CompleteAsync(exception);
        }
    }

    // A read that is exactly one response head (status line to blank line, nothing after): how Kestrel writes a
    // rejection. An answer of the API is followed by its body in the same read, or written over several.
    private static bool IsHead(ReadOnlySequence<byte> buffer, out string head)
    {
        head = "";
        if (buffer.Length is < 16 or > 4096)
        {
            return false;
        }

        var bytes = buffer.ToArray();
        if (!bytes.AsSpan().StartsWith("HTTP/"u8) || bytes.AsSpan().IndexOf(HeadEnd) != bytes.Length - HeadEnd.Length)
        {
            return false;
        }

        head = Encoding.ASCII.GetString(bytes, 0, bytes.Length - HeadEnd.Length);
        return true;
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;

        public PipeWriter Output { get; } = output;
    }
}
