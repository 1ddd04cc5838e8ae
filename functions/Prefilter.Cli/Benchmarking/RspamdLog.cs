using System.Text.RegularExpressions;

namespace Prefilter.Cli.Benchmarking;

/// <summary>
/// Follows the log file of an <see cref="RspamdServer"/>: each <see cref="Read"/> takes the whole lines written since
/// the last one, so a long run's log is read once, however often it is checked.
/// </summary>
/// <param name="path">The log file; it may not exist yet.</param>
internal sealed partial class RspamdLog(string path) : IDisposable
{
    private const int KeptLines = 20;

    private readonly Queue<string> lastLines = new();
    private StreamReader? reader;
    private string unfinished = "";

    /// <summary>Whether the normal worker has said it loaded the Hyperscan database of its regexes.</summary>
    public bool WorkerReady { get; private set; }

    /// <summary>How many checked messages made DNS requests, from the line Rspamd logs for each message.</summary>
    public int MessagesWithDnsRequests { get; private set; }

    /// <summary>The last lines read, to say why Rspamd stopped.</summary>
    public IReadOnlyCollection<string> LastLines => lastLines;

    /// <summary>Reads the lines written since the last call.</summary>
    public void Read()
    {
        if (reader is null)
        {
            if (!File.Exists(path))
            {
                return;
            }

            reader = new StreamReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        }

        var text = unfinished + reader.ReadToEnd();
        var end = text.LastIndexOf('\n');
        unfinished = text[(end + 1)..];
        if (end < 0)
        {
            return;
        }

        foreach (var line in text[..end].Split('\n'))
        {
            WorkerReady |= WorkerReadyLine().IsMatch(line);
            if (DnsRequestsField().Match(line) is { Success: true } match && match.Groups["count"].Value != "0")
            {
                MessagesWithDnsRequests++;
            }

            lastLines.Enqueue(line);
            if (lastLines.Count > KeptLines)
            {
                lastLines.Dequeue();
            }
        }
    }

    /// <summary>Closes the file.</summary>
    public void Dispose() => reader?.Dispose();

    [GeneratedRegex(@"\(normal\).* hyperscan database of \d+ regexps has been loaded")]
    private static partial Regex WorkerReadyLine();

    [GeneratedRegex(@", dns req: (?<count>\d+),")]
    private static partial Regex DnsRequestsField();
}
