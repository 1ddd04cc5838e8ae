using System.Security.Cryptography;
using System.Text;
using Prefilter.Engine.Hyperscan;

namespace Prefilter.Engine.Scanning;

/// <summary>
/// Hyperscan databases shared by every compiled set of a process that has the same expressions: the active set, the
/// canary and the candidate under the gate mostly do, and compiling one costs seconds. Held weakly: a database lives
/// as long as a set uses it.
/// </summary>
internal static class HyperscanDatabaseCache
{
    private static readonly Dictionary<string, Entry> Entries = new(StringComparer.Ordinal);

    /// <summary>The database of the expressions, compiled or found; null when Hyperscan took none.</summary>
    public static HyperscanDatabase? GetOrCompile(IReadOnlyList<HyperscanExpression> expressions, out IReadOnlyList<(HyperscanExpression Expression, string Reason)> refused)
    {
        refused = [];
        if (expressions.Count == 0)
        {
            return null;
        }

        var key = KeyOf(expressions);
        lock (Entries)
        {
            if (Entries.TryGetValue(key, out var entry) && entry.Database.TryGetTarget(out var found))
            {
                refused = entry.Refused;
                return found;
            }
        }

        var database = HyperscanDatabase.Compile(expressions, out refused);
        if (database is not null)
        {
            Add(key, new Entry(new(database), refused));
        }

        return database;
    }

    private static void Add(string key, Entry entry)
    {
        lock (Entries)
        {
            foreach (var dead in Entries.Where(pair => !pair.Value.Database.TryGetTarget(out _)).Select(pair => pair.Key).ToList())
            {
                Entries.Remove(dead);
            }

            Entries[key] = entry;
        }
    }

    private static string KeyOf(IReadOnlyList<HyperscanExpression> expressions)
    {
        var text = new StringBuilder();
        foreach (var expression in expressions)
        {
            text.Append(expression.Id).Append('\u0001').Append(expression.Flags).Append('\u0001').Append(expression.Pattern).Append('\u0000');
        }

        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    private sealed record Entry(WeakReference<HyperscanDatabase> Database, IReadOnlyList<(HyperscanExpression Expression, string Reason)> Refused);
}
