using System.Diagnostics;
using System.Text.Json;

namespace Prefilter.Cli.Benchmarking;

/// <summary>
/// Rspamd on the benchmarked mail, in the same run: an <see cref="RspamdServer"/> of the bench's own, fed every
/// message over HTTP (<c>/checkv2</c>) by Rspamd's own client, <c>rspamc</c>, one message at a time. Like the scan,
/// it gets a warm-up pass and then several timed passes, of which the fastest counts. rspamc runs on the same CPUs,
/// so its share of the time (reading the file, the HTTP exchange, printing the reply) counts as Rspamd's, as it does
/// for any client of Rspamd.
/// </summary>
internal static class RspamdCheck
{
    // rspamc takes its mail files on the command line: a few hundred at a time keeps that short for any corpus.
    private const int FilesPerClientRun = 500;

    private static readonly TimeSpan StartTimeout = TimeSpan.FromMinutes(5);

    /// <summary>Runs Rspamd over <paramref name="paths"/>.</summary>
    /// <param name="installation">The Rspamd to run.</param>
    /// <param name="paths">The mail files.</param>
    /// <param name="passes">Timed passes after the warm-up; the fastest counts.</param>
    /// <param name="progress">Reports each stage's progress.</param>
    /// <param name="cancellationToken">Stops the run; Rspamd and its client are stopped.</param>
    /// <returns>Rspamd's version, the messages it checked and its fastest pass.</returns>
    /// <exception cref="CommandException">Rspamd could not start, did not answer for every message, or made a DNS request.</exception>
    public static async Task<RspamdRun> RunAsync(
        RspamdInstallation installation, IReadOnlyList<string> paths, int passes, Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        progress?.Invoke("Rspamd start", 0, 1);
        await using var server = await RspamdServer.StartAsync(installation, StartTimeout, cancellationToken);
        progress?.Invoke("Rspamd start", 1, 1);

        await PassAsync(installation, server, paths, "Rspamd warm-up", progress, cancellationToken);
        var fastest = TimeSpan.MaxValue;
        for (var pass = 1; pass <= passes; pass++)
        {
            var elapsed = await PassAsync(installation, server, paths, $"Rspamd {pass}/{passes}", progress, cancellationToken);
            fastest = elapsed < fastest ? elapsed : fastest;
        }

        return new RspamdRun(server.Version, paths.Count, fastest.TotalSeconds);
    }

    // One pass: the time rspamc runs, not the reading of its replies afterwards.
    private static async Task<TimeSpan> PassAsync(
        RspamdInstallation installation, RspamdServer server, IReadOnlyList<string> paths, string label, Action<string, int, int>? progress, CancellationToken cancellationToken)
    {
        var elapsed = TimeSpan.Zero;
        var done = 0;
        foreach (var batch in paths.Chunk(FilesPerClientRun))
        {
            var (time, replies, error) = await RunClientAsync(installation, server.Address, batch, cancellationToken);
            var answered = CountReplies(replies);
            if (answered != batch.Length)
            {
                throw new CommandException(ExitCodes.ServiceError, $"Rspamd answered {answered} of {batch.Length} messages: {FirstLine(replies, error)}");
            }

            // A lookup would make the figure a measure of timeouts, not of Rspamd; RspamdConfiguration turns them all
            // off, and a module that still looks something up stops the run at the first batch.
            var looking = server.MessagesWithDnsRequests();
            if (looking > 0)
            {
                throw new CommandException(ExitCodes.ServiceError, $"Rspamd made DNS requests while checking {looking} of the messages: a module that needs the network is enabled; add it to RspamdConfiguration's network modules");
            }

            elapsed += time;
            done += batch.Length;
            progress?.Invoke(label, done, paths.Count);
        }

        return elapsed;
    }

    private static async Task<(TimeSpan Time, string Replies, string Error)> RunClientAsync(
        RspamdInstallation installation, string address, IEnumerable<string> files, CancellationToken cancellationToken)
    {
        // One request at a time (rspamc sends several at once by default), each reply one line of JSON.
        var start = new ProcessStartInfo(installation.ClientPath)
        {
            ArgumentList = { "--connect", address, "--max-requests", "1", "--json", "--compact" },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var file in files)
        {
            start.ArgumentList.Add(Path.GetFullPath(file));
        }

        var clock = Stopwatch.StartNew();
        using var client = RspamdInstallation.Launch(start);
        var (_, replies, error) = await ChildProcess.RunToEndAsync(client, cancellationToken);
        return (clock.Elapsed, replies, error);
    }

    // A reply is a JSON object with the action Rspamd chose; a failed request prints an error line instead.
    private static int CountReplies(string replies) =>
        replies.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Count(line => line.StartsWith('{') && IsReply(line));

    private static bool IsReply(string line)
    {
        try
        {
            using var reply = JsonDocument.Parse(line);
            return reply.RootElement.TryGetProperty("action", out var action) && action.ValueKind == JsonValueKind.String;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string FirstLine(string replies, string error) =>
        (error + "\n" + replies).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .FirstOrDefault(line => !line.StartsWith('{')) ?? "(rspamc printed no error)";
}

/// <summary>What <see cref="RspamdCheck"/> measured.</summary>
/// <param name="Version">Rspamd's version.</param>
/// <param name="Messages">Messages it checked in each pass.</param>
/// <param name="Seconds">Its fastest pass over them.</param>
internal sealed record RspamdRun(string Version, int Messages, double Seconds);
