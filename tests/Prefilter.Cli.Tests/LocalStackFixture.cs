using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Prefilter.Cli.Local;
using Prefilter.DevServices.Smtp;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Cli.Tests;

/// <summary>One <see cref="LocalStack"/> for all tests (it starts Azurite, the broker, a sink and the host), on free ports.</summary>
public sealed class LocalStackFixture : IAsyncLifetime
{
    /// <summary>Limits set low so oversized bodies are cheap to send.</summary>
    public const int MaxSetBytes = 64 * 1024;

    /// <summary>Limit on command bodies.</summary>
    public const int MaxCommandBytes = 1024;

    private LocalStack? stack;

    internal LocalStack Stack => stack ?? throw new InvalidOperationException("not started");

    /// <summary>An HTTP client on the API with the key.</summary>
    public HttpClient Api { get; private set; } = null!;

    /// <summary>An HTTP client on the API without a key.</summary>
    public HttpClient Anonymous { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        stack = await LocalStack.StartAsync(new LocalStackOptions
        {
            ApiPort = 0,
            SmtpPort = 0,
            ConsoleLogLevel = LogLevel.None,
            Settings = new Dictionary<string, string?>
            {
                ["Release:MaxSetBytes"] = MaxSetBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Api:MaxCommandBytes"] = MaxCommandBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),

                // A cost ceiling no scan can meet, so the gate refuses every plain publish: refusal is then a fact
                // the tests can rely on, not a matter of timing. Forced publishes (audited) still go through.
                ["Gate:MaxP99Cost"] = "00:00:00.0000001",

                // Scan figures reach the table within a second, so the status page has points to draw without a wait.
                ["ScanStats:FlushInterval"] = "00:00:01",
            },
        });
        Api = new HttpClient { BaseAddress = stack.ApiUrl };
        Api.DefaultRequestHeaders.Add(LocalApiKey.HeaderName, stack.ApiKey);
        Anonymous = new HttpClient { BaseAddress = stack.ApiUrl };
    }

    public async Task DisposeAsync()
    {
        Api?.Dispose();
        Anonymous?.Dispose();
        if (stack is not null)
        {
            await stack.DisposeAsync();
        }
    }

    /// <summary>Reads a release's status URL until the release is finished (bounded), and returns the document.</summary>
    /// <param name="location">The <c>Location</c> of the 202.</param>
    public async Task<JsonElement> WaitForReleaseAsync(Uri location)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(3));
        while (true)
        {
            using var response = await Api.GetAsync(location, timeout.Token);
            Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
            var release = await JsonAsync(response);
            if (release.GetProperty("status").GetString() is not ("queued" or "running"))
            {
                return release;
            }

            await Task.Delay(200, timeout.Token);
        }
    }

    /// <summary>The mail store of the running host.</summary>
    internal MailStore Mails => Stack.Services.GetRequiredService<MailStore>();

    /// <summary>A small RFC 822 message with a unique Message-ID.</summary>
    public static (byte[] Raw, string MessageId) Mail(string subject, string body)
    {
        var id = $"{Guid.NewGuid():N}@test.example.net";
        var raw = $"From: Sender <sender@example.net>\r\nTo: User <user@example.com>\r\nSubject: {subject}\r\nMessage-ID: <{id}>\r\nDate: Sat, 28 Nov 2026 10:00:00 +0000\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=us-ascii\r\n\r\n{body}\r\n";
        return (Encoding.ASCII.GetBytes(raw), id);
    }

    /// <summary>Spam the default set quarantines (score over 10).</summary>
    public static (byte[] Raw, string MessageId) Spam() =>
        Mail("You have won!", "Claim your prize today. Cheap pills too. Click here now.");

    /// <summary>Ordinary mail.</summary>
    public static (byte[] Raw, string MessageId) Ham() =>
        Mail("Minutes of Tuesday's meeting", "Hello, the minutes are attached below. Regards, Ann");

    /// <summary>The sink's copy of a mail, waiting for it as delivery works through the queue.</summary>
    internal async Task<SmtpSinkMessage> WaitForSinkAsync(string messageId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var found = Stack.Sink.Messages.FirstOrDefault(message => Encoding.ASCII.GetString(message.Data).Contains(messageId, StringComparison.Ordinal));
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), timeout.Token);
        }
    }

    /// <summary>Waits until the counts satisfy a condition.</summary>
    internal async Task<MailCounts> WaitForCountsAsync(Func<MailCounts, bool> condition)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        while (true)
        {
            var counts = await Stack.CountAsync(timeout.Token);
            if (condition(counts))
            {
                return counts;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), timeout.Token);
        }
    }

    /// <summary>Posts a mail to the HTTP ingest.</summary>
    public async Task<HttpResponseMessage> PostMailAsync(byte[] raw, string to, HttpClient? client = null)
    {
        using var content = new ByteArrayContent(raw) { Headers = { ContentType = new MediaTypeHeaderValue("message/rfc822") } };
        return await (client ?? Api).PostAsync($"api/mail?from=sender@example.net&to={Uri.EscapeDataString(to)}", content);
    }

    /// <summary>Reads a JSON body.</summary>
    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
}

/// <summary>Tests that share the one local stack; they run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class LocalStackCollection : ICollectionFixture<LocalStackFixture>
{
    /// <summary>The collection name.</summary>
    public const string Name = "local stack";
}
