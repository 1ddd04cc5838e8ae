using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Tests;

/// <summary>What <c>prefilter up</c> lets a user see: a line per mail, the sink's messages, and its telemetry.</summary>
[Collection(UpProcess.CollectionName)]
public sealed partial class UpVisibilityTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Each_mail_gets_one_line_at_its_outcome_and_the_sink_s_messages_can_be_listed_and_read()
    {
        await using var up = await UpProcess.StartAsync("--api-port", "0", "--smtp-port", "0");
        var (api, key) = ApiOf(up);
        var (ham, _) = LocalStackFixture.Ham();
        var (spam, _) = LocalStackFixture.Spam();

        var hamId = await SubmitAsync(up, ham);
        var spamId = await SubmitAsync(up, spam);

        var delivered = OutcomeLine().Match(await up.WaitForOutputAsync(line => line.Contains($"Mail {hamId} ", StringComparison.Ordinal) && OutcomeLine().IsMatch(line), Patience));
        Assert.Equal("DeliveryHandler", delivered.Groups["stage"].Value);
        Assert.Equal("Delivered", delivered.Groups["outcome"].Value);
        Assert.Equal("sender@example.net", delivered.Groups["from"].Value);
        Assert.Equal("user@example.com", delivered.Groups["to"].Value);
        Assert.Equal("Deliver", delivered.Groups["action"].Value);
        Assert.Equal("local-default-1", delivered.Groups["set"].Value);
        var quarantined = OutcomeLine().Match(await up.WaitForOutputAsync(line => line.Contains($"Mail {spamId} ", StringComparison.Ordinal) && OutcomeLine().IsMatch(line), Patience));
        Assert.Equal("ScanStage", quarantined.Groups["stage"].Value);
        Assert.Equal("Quarantined", quarantined.Groups["outcome"].Value);
        Assert.Equal("Quarantine", quarantined.Groups["action"].Value);
        Assert.True(double.Parse(quarantined.Groups["score"].Value, CultureInfo.InvariantCulture) >= 10);

        // One line per mail at the default level: the per-stage lines (accepted, scanned, relayed) are debug.
        Assert.Single(up.Output, line => line.Contains(hamId, StringComparison.Ordinal));
        Assert.Single(up.Output, line => line.Contains(spamId, StringComparison.Ordinal));

        var (listed, list, _) = await RunAsync("mail", "list", "--api", api, "--key", key);
        Assert.Equal(0, listed);
        var message = Assert.Single(JsonDocument.Parse(list).RootElement.EnumerateArray());
        Assert.Equal("Minutes of Tuesday's meeting", message.GetProperty("subject").GetString());
        Assert.Equal("Deliver", message.GetProperty("verdict").GetString());
        Assert.Equal(["user@example.com"], message.GetProperty("to").EnumerateArray().Select(to => to.GetString()));
        var id = message.GetProperty("id").GetInt64().ToString(CultureInfo.InvariantCulture);

        var (shown, raw, _) = await RunAsync("mail", "show", id, "--api", api, "--key", key);
        Assert.Equal(0, shown);
        Assert.StartsWith("X-Prefilter-Verdict: Deliver", raw, StringComparison.Ordinal);
        Assert.Contains("Subject: Minutes of Tuesday's meeting", raw, StringComparison.Ordinal);

        var (missing, _, error) = await RunAsync("mail", "show", "999", "--api", api, "--key", key);
        Assert.Equal(ExitCodes.InputError, missing);
        Assert.Contains("404", error, StringComparison.Ordinal);
        Assert.Contains("no message 999", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Otlp_receives_the_per_mail_trace_and_the_metrics()
    {
        using var receiver = new OtlpReceiver();
        await using var up = await UpProcess.StartAsync("--api-port", "0", "--smtp-port", "0", "--otlp", receiver.Endpoint, "--otlp-protocol", LocalTelemetry.HttpProtobuf);
        var (ham, _) = LocalStackFixture.Ham();
        var id = await SubmitAsync(up, ham);
        await up.WaitForOutputAsync(line => line.Contains($"Mail {id} Delivered", StringComparison.Ordinal), Patience);

        // Protobuf carries strings as their UTF-8 bytes: the mail's id, span names and attribute names are in the body.
        var traces = await receiver.WaitForAsync("/v1/traces", body => body.Contains(id, StringComparison.Ordinal) && body.Contains("relay", StringComparison.Ordinal), Patience);
        Assert.Contains("application/x-protobuf", traces.ContentType, StringComparison.Ordinal);
        Assert.Contains("Prefilter.Pipeline", traces.Body, StringComparison.Ordinal);
        Assert.Contains("prefilter.set.version", traces.Body, StringComparison.Ordinal);
        Assert.Contains("process deliver", traces.Body, StringComparison.Ordinal);

        // Metrics are exported every minute and when up stops.
        Assert.Equal(0, await up.TerminateAsync(Patience));
        var metrics = await receiver.WaitForAsync("/v1/metrics", body => body.Contains("prefilter.scan.duration", StringComparison.Ordinal), Patience);
        Assert.Contains("prefilter.deliveries", metrics.Body, StringComparison.Ordinal);
    }

    // The line MailOutcomeLog writes, as the local console formatter shows it.
    [GeneratedRegex(@"^(info|warn): Prefilter\.Pipeline\.\w+\.(?<stage>\w+)\[100\] Mail (?<id>\S+) (?<outcome>\w+): from (?<from>\S+) to (?<to>\S+), (?<action>\w+) score (?<score>\S+), set (?<set>\S+), (?<ms>\d+) ms")]
    private static partial Regex OutcomeLine();

    [GeneratedRegex(@"HTTP ingest\s+POST (?<api>http://[^/]+)/api/mail")]
    private static partial Regex ApiLine();

    [GeneratedRegex(@"API key\s+(?<key>\S+)")]
    private static partial Regex KeyLine();

    private static (string Api, string Key) ApiOf(UpProcess up) =>
        (ApiLine().Match(up.Output.First(line => ApiLine().IsMatch(line))).Groups["api"].Value,
         KeyLine().Match(up.Output.First(line => KeyLine().IsMatch(line))).Groups["key"].Value);

    // Submits over SMTP and returns the mail's id from the ingress's 250 reply ("Queued as {id}").
    private static async Task<string> SubmitAsync(UpProcess up, byte[] raw)
    {
        using var smtp = new SmtpClient();
        await smtp.ConnectAsync(up.SmtpIngress.Host, up.SmtpIngress.Port, SecureSocketOptions.None);
        using var message = await MimeMessage.LoadAsync(new MemoryStream(raw));
        var reply = await smtp.SendAsync(message, MailboxAddress.Parse("sender@example.net"), [MailboxAddress.Parse("user@example.com")]);
        await smtp.DisconnectAsync(quit: true);
        return QueuedAs().Match(reply).Groups["id"].Value is { Length: > 0 } id
            ? id
            : throw new Xunit.Sdk.XunitException($"the ingress did not name the stored mail: {reply}");
    }

    [GeneratedRegex(@"Queued as (?<id>\S+)")]
    private static partial Regex QueuedAs();

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "prefilter"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start prefilter");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Patience);
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await output, await error);
    }

    /// <summary>An OTLP/HTTP receiver on loopback that keeps every request it gets.</summary>
    private sealed class OtlpReceiver : IDisposable
    {
        private readonly HttpListener listener = new();
        private readonly List<(string Path, string ContentType, string Body)> requests = [];
        private readonly Task loop;

        public OtlpReceiver()
        {
            using (var probe = new TcpListener(IPAddress.Loopback, 0))
            {
                probe.Start();
                Endpoint = $"http://127.0.0.1:{((IPEndPoint)probe.LocalEndpoint).Port}";
            }

            listener.Prefixes.Add(Endpoint + "/");
            listener.Start();
            loop = ReceiveAsync();
        }

        public string Endpoint { get; }

        public async Task<(string ContentType, string Body)> WaitForAsync(string path, Func<string, bool> condition, TimeSpan timeout)
        {
            using var cancellation = new CancellationTokenSource(timeout);
            while (true)
            {
                lock (requests)
                {
                    if (requests.FirstOrDefault(request => request.Path == path && condition(request.Body)) is { Path: not null } found)
                    {
                        return (found.ContentType, found.Body);
                    }
                }

                await Task.Delay(100, cancellation.Token);
            }
        }

        public void Dispose()
        {
            listener.Close();
            try
            {
                loop.GetAwaiter().GetResult();
            }
            catch (Exception exception) when (exception is HttpListenerException or ObjectDisposedException)
            {
                // Closing the listener ends the pending GetContextAsync.
            }
        }

        private async Task ReceiveAsync()
        {
            while (listener.IsListening)
            {
                var context = await listener.GetContextAsync();
                using var body = new MemoryStream();
                await context.Request.InputStream.CopyToAsync(body);
                lock (requests)
                {
                    requests.Add((context.Request.Url!.AbsolutePath, context.Request.ContentType ?? "", Encoding.UTF8.GetString(body.ToArray())));
                }

                // An empty protobuf message is a valid Export*ServiceResponse.
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/x-protobuf";
                context.Response.Close();
            }
        }
    }
}
