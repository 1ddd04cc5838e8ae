using System.Text;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Gating;

/// <summary>
/// Mail built to make a set's own regexes work hard: for each rule a near-miss — its pattern walked with every
/// repeated atom expanded to a long run and the tail broken so the match fails late — placed in the part the rule
/// reads; plus the shapes that hurt any scanner (very long lines, deep MIME nesting, a huge header block).
/// </summary>
public static class AdversarialMail
{
    /// <summary>Repetitions of each repeated atom: long enough to expose super-linear work, small enough to keep the gate quick.</summary>
    public const int RunLength = 4_096;

    private const int RulesPerMessage = 16;

    /// <summary>Builds the adversarial messages for <paramref name="set"/>, with ids <c>adversarial/…</c>.</summary>
    public static IReadOnlyList<GateMessage> For(PatternSet set)
    {
        ArgumentNullException.ThrowIfNull(set);
        var messages = new List<GateMessage>
        {
            Message("adversarial/long-line", Headers("long line") + "\r\n" + new string('a', 2_000_000) + "\r\n"),
            Message("adversarial/deep-nesting", DeepNesting(200)),
            Message("adversarial/deep-attached-messages", DeepAttachedMessages(200)),
            Message("adversarial/huge-headers", HugeHeaders(20_000)),
        };

        var nearMisses = set.Rules
            .Where(rule => rule.Pattern is not null && rule.Kind != RuleKind.Meta && rule.Kind != RuleKind.List)
            .Select(rule => (Rule: rule, Text: NearMiss.For(rule.Pattern!)))
            .Where(entry => entry.Text.Length > 0)
            .ToList();
        for (var start = 0; start < nearMisses.Count; start += RulesPerMessage)
        {
            var chunk = nearMisses.Skip(start).Take(RulesPerMessage).ToList();
            messages.Add(Message($"adversarial/rules-{start / RulesPerMessage:D4}", Carrying(chunk)));
        }

        return messages;
    }

    private static string Carrying(IReadOnlyList<(Rule Rule, string Text)> chunk)
    {
        var headers = new StringBuilder();
        var body = new StringBuilder();
        var html = new StringBuilder();
        foreach (var (rule, text) in chunk)
        {
            var oneLine = text.Replace("\r", " ").Replace("\n", " ");
            switch (rule.Kind)
            {
                case RuleKind.Header when rule.Header is { } spec && !spec.StartsWith("exists:", StringComparison.OrdinalIgnoreCase):
                    var name = spec.Split(':')[0];
                    headers.Append(name.Equals("ALL", StringComparison.OrdinalIgnoreCase) ? "X-Adversarial" : name).Append(": ").Append(oneLine).Append("\r\n");
                    break;
                case RuleKind.Uri:
                    html.Append("<a href=\"http://").Append(Uri.EscapeDataString(oneLine[..Math.Min(oneLine.Length, 60_000)])).Append("\">x</a>\r\n");
                    break;
                case RuleKind.Attachment:
                    break;
                default:
                    body.Append(oneLine).Append("\r\n\r\n");
                    break;
            }
        }

        const string boundary = "adversarial-boundary";
        return Headers("rules", headers.ToString(), $"multipart/alternative; boundary=\"{boundary}\"") + "\r\n" +
            $"--{boundary}\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}\r\n" +
            $"--{boundary}\r\nContent-Type: text/html; charset=utf-8\r\n\r\n<html><body>{html}</body></html>\r\n" +
            $"--{boundary}--\r\n";
    }

    private static string Headers(string subject, string extra = "", string contentType = "text/plain; charset=utf-8") =>
        $"From: adversary@example.net\r\nTo: gate@example.org\r\nSubject: adversarial {subject}\r\n" +
        $"Message-ID: <{subject.Replace(' ', '-')}@gate.invalid>\r\nMIME-Version: 1.0\r\n{extra}Content-Type: {contentType}\r\n";

    private static string DeepNesting(int depth)
    {
        var text = new StringBuilder(Headers("deep nesting", contentType: "multipart/mixed; boundary=\"b0\""));
        text.Append("\r\n");
        for (var level = 1; level < depth; level++)
        {
            text.Append($"--b{level - 1}\r\nContent-Type: multipart/mixed; boundary=\"b{level}\"\r\n\r\n");
        }

        text.Append($"--b{depth - 1}\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n");
        for (var level = depth - 1; level >= 0; level--)
        {
            text.Append($"--b{level}--\r\n");
        }

        return text.ToString();
    }

    // Text hidden under attached messages nested past the parser's depth: the scan must say it is incomplete.
    private static string DeepAttachedMessages(int depth)
    {
        var text = new StringBuilder(Headers("deep attached messages", contentType: "message/rfc822"));
        text.Append("\r\n");
        for (var level = 1; level < depth; level++)
        {
            text.Append($"Subject: level {level}\r\nContent-Type: message/rfc822\r\n\r\n");
        }

        return text.Append("Subject: innermost\r\nContent-Type: text/plain\r\n\r\ninnermost\r\n").ToString();
    }

    private static string HugeHeaders(int count)
    {
        var text = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            text.Append($"X-Filler-{i}: {new string('h', 40)}\r\n");
        }

        return Headers("huge headers", text.ToString()) + "\r\nbody\r\n";
    }

    private static GateMessage Message(string id, string text) => new(id, Encoding.UTF8.GetBytes(text));
}
