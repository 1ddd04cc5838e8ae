using System.Collections.Concurrent;
using System.CommandLine;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Prefilter.Cli.Commands;

namespace Prefilter.Cli.Tests;

/// <summary>
/// <c>prefilter submit</c> against an SMTP server on loopback that drops connections in the middle of DATA. In the
/// local-stack collection so no other test class writes to the console while this captures it.
/// </summary>
[Collection(LocalStackCollection.Name)]
public sealed class SubmitCommandTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("prefilter-submit-").FullName;

    [Fact]
    public async Task Dropped_connections_are_opened_again_and_the_run_ends_with_counts_and_the_mail_that_failed()
    {
        await using var server = DroppingSmtpServer.Start();
        for (var i = 0; i < 10; i++)
        {
            // Every third mail loses its first connection mid-DATA; one mail loses every connection it gets.
            Write($"m{i:D2}.eml", i % 3 == 0 ? $"once-{i}" : $"plain-{i}");
        }

        Write("never.eml", "always");

        var (exit, output, error) = await CommandRun.RunAsync(SubmitCommand.Create(), folder, "--smtp", $"127.0.0.1:{server.Port}", "--to", "user@example.org", "--connections", "3");

        Assert.Equal(ExitCodes.ServiceError, exit);
        Assert.Contains("10 accepted, 0 refused, 1 failed, of 11 mail(s)", output, StringComparison.Ordinal);
        Assert.Contains($"{Path.Combine(folder, "never.eml")}: failed, not accepted", error, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled", error, StringComparison.Ordinal);

        // Each mail the server took, taken once: a mail cut mid-DATA was never accepted, so sending it again is no copy.
        Assert.Equal(
            [.. Enumerable.Range(0, 10).Select(i => i % 3 == 0 ? $"once-{i}" : $"plain-{i}").Order(StringComparer.Ordinal)],
            server.Accepted.Order(StringComparer.Ordinal));
        Assert.Equal(4 + 2, server.Dropped);
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private void Write(string name, string subject) =>
        File.WriteAllText(Path.Combine(folder, name), $"From: a@example.org\r\nTo: user@example.org\r\nSubject: {subject}\r\n\r\nHello.\r\n");

    /// <summary>
    /// A minimal SMTP server that closes the connection when it reads the Subject of a mail in DATA: always for subject
    /// <c>always</c>, the first time for subjects starting with <c>once</c>. It takes every other mail with 250.
    /// </summary>
    private sealed class DroppingSmtpServer : IAsyncDisposable
    {
        private readonly TcpListener listener = new(IPAddress.Loopback, 0);
        private readonly CancellationTokenSource stop = new();
        private readonly ConcurrentDictionary<string, int> seen = new();
        private readonly ConcurrentBag<string> accepted = [];
        private readonly List<Task> sessions = [];
        private Task? loop;
        private int dropped;

        public int Port => ((IPEndPoint)listener.LocalEndpoint).Port;

        public IReadOnlyCollection<string> Accepted => accepted;

        public int Dropped => dropped;

        public static DroppingSmtpServer Start()
        {
            var server = new DroppingSmtpServer();
            server.listener.Start();
            server.loop = server.AcceptAsync();
            return server;
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            listener.Stop();
            await loop!.ContinueWith(_ => { }, TaskScheduler.Default);
            Task[] running;
            lock (sessions)
            {
                running = [.. sessions];
            }

            await Task.WhenAll(running).ContinueWith(_ => { }, TaskScheduler.Default);
            stop.Dispose();
        }

        private async Task AcceptAsync()
        {
            while (!stop.IsCancellationRequested)
            {
                var client = await listener.AcceptTcpClientAsync(stop.Token);
                lock (sessions)
                {
                    sessions.Add(ServeAsync(client));
                }
            }
        }

        private async Task ServeAsync(TcpClient client)
        {
            using (client)
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII);
                async Task Reply(string line) => await stream.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), stop.Token);
                try
                {
                    await Reply("220 dropping.test ESMTP");
                    while (await reader.ReadLineAsync(stop.Token) is { } command)
                    {
                        var verb = command.Split(' ')[0].ToUpperInvariant();
                        if (verb == "QUIT")
                        {
                            await Reply("221 bye");
                            return;
                        }

                        if (verb != "DATA")
                        {
                            await Reply(verb is "EHLO" or "HELO" or "MAIL" or "RCPT" or "RSET" or "NOOP" ? "250 ok" : "500 unknown command");
                            continue;
                        }

                        await Reply("354 go ahead");
                        string? subject = null;
                        while (await reader.ReadLineAsync(stop.Token) is { } line && line != ".")
                        {
                            if (subject is null && line.StartsWith("Subject: ", StringComparison.Ordinal))
                            {
                                subject = line["Subject: ".Length..];
                                var times = seen.AddOrUpdate(subject, 1, (_, count) => count + 1);
                                if (subject == "always" || (subject.StartsWith("once", StringComparison.Ordinal) && times == 1))
                                {
                                    Interlocked.Increment(ref dropped);
                                    client.Client.Close(0);
                                    return;
                                }
                            }
                        }

                        accepted.Add(subject ?? "");
                        await Reply("250 queued");
                    }
                }
                catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
                {
                    // The client went away, or the test is over.
                }
            }
        }
    }
}
