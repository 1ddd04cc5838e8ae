using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Prefilter.Cli.Tests.Browser;

/// <summary>
/// Headless Chromium driven over the DevTools protocol (a WebSocket, no extra package): one browser process with its
/// own profile directory and one page. Disposing it kills the process and deletes the profile.
/// </summary>
internal sealed partial class Chromium : IAsyncDisposable
{
    private readonly Process process;
    private readonly string profile;
    private readonly ClientWebSocket socket = new();
    private readonly ConcurrentDictionary<int, TaskCompletionSource<JsonObject>> pending = new();
    private readonly CancellationTokenSource stop = new();
    private Task? reader;
    private int nextId;
    private string session = "";

    private Chromium(Process process, string profile)
    {
        this.process = process;
        this.profile = profile;
    }

    /// <summary>Starts the browser and opens a blank page with a viewport of the given size.</summary>
    public static async Task<Chromium> StartAsync(int width, int height, CancellationToken cancellationToken = default)
    {
        var profile = Directory.CreateTempSubdirectory("prefilter-chromium-").FullName;
        var start = new ProcessStartInfo(ChromiumFactAttribute.Executable)
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--headless=new", "--remote-debugging-port=0", $"--user-data-dir={profile}", "--no-first-run", "--no-default-browser-check",
            "--disable-gpu", "--disable-extensions", "--disable-background-networking", "--disable-sync", "--mute-audio",

            // Chromium's sandbox needs user namespaces, which a CI container running as root does not grant.
            "--no-sandbox", "about:blank",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var browser = new Chromium(Process.Start(start) ?? throw new InvalidOperationException("chromium did not start"), profile);
        try
        {
            await browser.ConnectAsync(width, height, cancellationToken);
            return browser;
        }
        catch
        {
            await browser.DisposeAsync();
            throw;
        }
    }

    /// <summary>Navigates and waits for the load event's document.</summary>
    public async Task NavigateAsync(Uri url, CancellationToken cancellationToken = default)
    {
        await SendAsync("Page.navigate", new JsonObject { ["url"] = url.ToString() }, cancellationToken);
        await WaitForAsync("document.readyState === 'complete'", cancellationToken);
    }

    /// <summary>Evaluates an expression in the page (promises awaited) and returns its value as JSON.</summary>
    /// <exception cref="InvalidOperationException">The expression threw.</exception>
    public async Task<JsonNode?> EvaluateAsync(string expression, CancellationToken cancellationToken = default)
    {
        var result = await SendAsync("Runtime.evaluate", new JsonObject { ["expression"] = expression, ["returnByValue"] = true, ["awaitPromise"] = true }, cancellationToken);
        if (result["exceptionDetails"] is JsonObject exception)
        {
            throw new InvalidOperationException($"the page threw evaluating {expression}: {exception.ToJsonString()}");
        }

        return result["result"]?["value"];
    }

    /// <summary>Evaluates an expression until it is true.</summary>
    public async Task WaitForAsync(string condition, CancellationToken cancellationToken = default)
    {
        while (await EvaluateAsync($"Boolean({condition})", cancellationToken) is not JsonValue value || !value.GetValue<bool>())
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken);
        }
    }

    /// <summary>A PNG of the whole page (the viewport is stretched to the document's height for the capture).</summary>
    public async Task<byte[]> ScreenshotAsync(CancellationToken cancellationToken = default)
    {
        var metrics = await SendAsync("Page.getLayoutMetrics", new JsonObject(), cancellationToken);
        var size = metrics["cssContentSize"]!;
        var result = await SendAsync("Page.captureScreenshot", new JsonObject
        {
            ["format"] = "png",
            ["captureBeyondViewport"] = true,
            ["clip"] = new JsonObject { ["x"] = 0, ["y"] = 0, ["width"] = size["width"]!.GetValue<double>(), ["height"] = size["height"]!.GetValue<double>(), ["scale"] = 1 },
        }, cancellationToken);
        return Convert.FromBase64String(result["data"]!.GetValue<string>());
    }

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        socket.Abort();
        socket.Dispose();
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        process.Dispose();
        if (reader is not null)
        {
            await reader.ContinueWith(_ => { }, TaskScheduler.Default);
        }

        try
        {
            Directory.Delete(profile, recursive: true);
        }
        catch (IOException)
        {
            // A file the exiting browser still held; the temporary directory is cleaned by the system.
        }
    }

    private async Task ConnectAsync(int width, int height, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        Uri? endpoint = null;
        while (endpoint is null)
        {
            var line = await process.StandardError.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException($"chromium exited before it listened (exit code {(process.WaitForExit(5000) ? process.ExitCode : -1)})");
            if (DevToolsLine().Match(line) is { Success: true } match)
            {
                endpoint = new Uri(match.Groups[1].Value);
            }
        }

        // Keep reading the browser's output so it never blocks on a full pipe.
        _ = process.StandardError.ReadToEndAsync(stop.Token);
        _ = process.StandardOutput.ReadToEndAsync(stop.Token);

        await socket.ConnectAsync(endpoint, timeout.Token);
        reader = Task.Run(ReadLoopAsync, CancellationToken.None);
        var target = await SendAsync("Target.createTarget", new JsonObject { ["url"] = "about:blank" }, timeout.Token);
        var attached = await SendAsync("Target.attachToTarget", new JsonObject { ["targetId"] = target["targetId"]!.GetValue<string>(), ["flatten"] = true }, timeout.Token);
        session = attached["sessionId"]!.GetValue<string>();
        await SendAsync("Page.enable", new JsonObject(), timeout.Token);
        await SendAsync("Emulation.setDeviceMetricsOverride", new JsonObject { ["width"] = width, ["height"] = height, ["deviceScaleFactor"] = 1, ["mobile"] = width < 600 }, timeout.Token);
    }

    private async Task<JsonObject> SendAsync(string method, JsonObject parameters, CancellationToken cancellationToken)
    {
        var id = Interlocked.Increment(ref nextId);
        var message = new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters };
        if (session.Length > 0)
        {
            message["sessionId"] = session;
        }

        var answer = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        pending[id] = answer;
        await socket.SendAsync(Encoding.UTF8.GetBytes(message.ToJsonString()), WebSocketMessageType.Text, true, cancellationToken);
        var response = await answer.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return response["error"] is JsonObject error
            ? throw new InvalidOperationException($"{method} failed: {error.ToJsonString()}")
            : response["result"] as JsonObject ?? [];
    }

    private async Task ReadLoopAsync()
    {
        var buffer = new byte[64 * 1024];
        using var message = new MemoryStream();
        try
        {
            while (socket.State == WebSocketState.Open)
            {
                var received = await socket.ReceiveAsync(buffer, stop.Token);
                if (received.MessageType == WebSocketMessageType.Close)
                {
                    break;
                }

                message.Write(buffer, 0, received.Count);
                if (!received.EndOfMessage)
                {
                    continue;
                }

                // Events (no id) are not needed: the tests poll the page's state.
                if (JsonNode.Parse(message.ToArray()) is JsonObject parsed && parsed["id"] is JsonValue id && pending.TryRemove(id.GetValue<int>(), out var answer))
                {
                    answer.TrySetResult(parsed);
                }

                message.SetLength(0);
            }
        }
        catch (Exception exception) when (exception is OperationCanceledException or WebSocketException or ObjectDisposedException)
        {
            // Disposed, or the browser went away: the pending calls fail below.
        }

        foreach (var answer in pending.Values)
        {
            answer.TrySetException(new InvalidOperationException("the DevTools connection closed"));
        }
    }

    [GeneratedRegex(@"DevTools listening on (ws://\S+)")]
    private static partial Regex DevToolsLine();
}
