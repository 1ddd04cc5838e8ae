using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using M = Prefilter.Engine.PatternSets.PatternSetMembers;

namespace Prefilter.Engine.PatternSets;

/// <summary>
/// Reads a pattern-set document with <see cref="Utf8JsonReader"/>, checking the format strictly (types, known members,
/// no duplicates, finite numbers, dates with an offset) and collecting every problem with its line instead of stopping
/// at the first. Whether the rules make sense together is <c>PatternSetLinter</c>'s job.
/// </summary>
internal sealed partial class PatternSetReader
{
    private static readonly JsonReaderOptions ReaderOptions = new()
    {
        CommentHandling = JsonCommentHandling.Disallow,
        AllowTrailingCommas = false,
        MaxDepth = 16,
    };

    private readonly int[] lineStarts;
    private readonly List<FormatProblem> problems = [];
    private readonly List<RuleEntry> rules = [];
    private readonly Dictionary<string, int> setMemberLines = new(StringComparer.Ordinal);
    private string? currentRuleId;

    private PatternSetReader(ReadOnlySpan<byte> utf8) => this.lineStarts = LineStarts(utf8);

    public static PatternSetDocument Read(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        var reader = new PatternSetReader(utf8);
        var set = reader.ReadDocument(utf8);
        return new PatternSetDocument(set, reader.rules, reader.problems, reader.setMemberLines);
    }

    private PatternSet ReadDocument(ReadOnlySpan<byte> utf8)
    {
        var json = new Utf8JsonReader(utf8, ReaderOptions);
        var set = new SetBuilder();
        try
        {
            if (utf8.Trim(" \t\r\n"u8).IsEmpty)
            {
                Problem(1, "the document is empty; a pattern set is a JSON object");
                return set.Build([]);
            }

            json.Read();
            if (json.TokenType != JsonTokenType.StartObject)
            {
                Problem(LineOf(json), $"the document must be a JSON object (a pattern set), not {Describe(json.TokenType)}");
                return set.Build([]);
            }

            ReadSet(ref json, set);

            // Makes the reader report anything after the set's closing brace.
            json.Read();
        }
        catch (JsonException ex)
        {
            this.problems.Add(new FormatProblem(this.currentRuleId, (int)(ex.LineNumber ?? 0) + 1, $"invalid JSON: {PlainJsonMessage(ex)}"));
        }

        return set.Build([.. this.rules.Select(r => r.Rule).OfType<Rule>()]);
    }

    private void ReadSet(ref Utf8JsonReader json, SetBuilder set)
    {
        var start = LineOf(json);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (NextMember(ref json, seen, "the pattern set", out var member, out var line))
        {
            this.setMemberLines[member] = line;
            switch (member)
            {
                case M.Name:
                    set.Name = ReadString(ref json, member, line) ?? set.Name;
                    break;
                case M.Version:
                    set.Version = ReadString(ref json, member, line) ?? set.Version;
                    break;
                case M.Created:
                    set.Created = ReadDate(ref json, member, line) ?? set.Created;
                    break;
                case M.Description:
                    set.Description = ReadString(ref json, member, line);
                    break;
                case M.Thresholds:
                    set.Thresholds = ReadThresholds(ref json, line);
                    break;
                case M.FreemailDomains:
                    set.FreemailDomains = ReadStrings(ref json, member, line) ?? set.FreemailDomains;
                    break;
                case M.Rules:
                    ReadRules(ref json, line);
                    break;
                default:
                    Unknown(ref json, member, line, "a pattern set", M.SetMembers);
                    break;
            }
        }

        // A member that is present but unreadable was reported already.
        Require(seen, start, M.Name, "the pattern set");
        Require(seen, start, M.Version, "the pattern set");
        Require(seen, start, M.Created, "the pattern set");
        Require(seen, start, M.Rules, "the pattern set");
    }

    private Thresholds? ReadThresholds(ref Utf8JsonReader json, int line)
    {
        if (!ExpectObject(ref json, M.Thresholds, line))
        {
            return null;
        }

        var thresholds = new Thresholds();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (NextMember(ref json, seen, "'thresholds'", out var member, out var memberLine))
        {
            switch (member)
            {
                case M.Tag:
                    thresholds = thresholds with { Tag = ReadNumber(ref json, member, memberLine) ?? thresholds.Tag };
                    break;
                case M.Quarantine:
                    thresholds = thresholds with { Quarantine = ReadNumber(ref json, member, memberLine) ?? thresholds.Quarantine };
                    break;
                default:
                    Unknown(ref json, member, memberLine, "'thresholds'", M.ThresholdMembers);
                    break;
            }
        }

        return thresholds;
    }

    private void ReadRules(ref Utf8JsonReader json, int line)
    {
        if (json.TokenType != JsonTokenType.StartArray)
        {
            WrongType(ref json, M.Rules, line, "an array of rules");
            return;
        }

        var index = 0;
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            index++;
            if (json.TokenType != JsonTokenType.StartObject)
            {
                Problem(LineOf(json), $"rule {index} must be an object, not {Describe(json.TokenType)}");
                json.Skip();
                this.rules.Add(new RuleEntry(LineOf(json), null, null));
                continue;
            }

            this.rules.Add(ReadRule(ref json, index));
        }
    }

    private RuleEntry ReadRule(ref Utf8JsonReader json, int index)
    {
        var start = LineOf(json);
        var firstProblem = this.problems.Count;
        var rule = new RuleBuilder();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        this.currentRuleId = null;
        while (NextMember(ref json, seen, "a rule", out var member, out var line))
        {
            ReadRuleMember(ref json, rule, member, line);
        }

        Require(seen, start, M.Id, $"rule {index}");
        Require(seen, start, M.Kind, $"rule {index}");
        RuleKind kind = default;
        var knownKind = rule.KindName is null || RuleKindNames.TryParse(rule.KindName, out kind);
        if (!knownKind)
        {
            Problem(rule.KindLine, $"unknown kind '{rule.KindName}' (kinds: {string.Join(", ", RuleKindNames.All)})");
        }

        // Problems found before the id member was read belong to this rule too.
        for (var i = firstProblem; i < this.problems.Count; i++)
        {
            this.problems[i] = this.problems[i] with { RuleId = this.problems[i].RuleId ?? rule.Id };
        }

        this.currentRuleId = null;
        var model = rule.Id is null || rule.KindName is null || !knownKind ? null : rule.ToRule(rule.Id, kind);
        return new RuleEntry(start, rule.Id, model);
    }

    private void ReadRuleMember(ref Utf8JsonReader json, RuleBuilder rule, string member, int line)
    {
        switch (member)
        {
            case M.Id:
                rule.Id = ReadString(ref json, member, line);
                this.currentRuleId = rule.Id;
                break;
            case M.Kind:
                rule.KindName = ReadString(ref json, member, line);
                rule.KindLine = line;
                break;
            case M.Description:
                rule.Description = ReadString(ref json, member, line);
                break;
            case M.Score:
                rule.Score = ReadNumber(ref json, member, line) ?? rule.Score;
                break;
            case M.Flags:
                rule.Flags = ReadStrings(ref json, member, line) ?? rule.Flags;
                break;
            case M.Header:
                rule.Header = ReadString(ref json, member, line);
                break;
            case M.Negate:
                rule.Negate = ReadBool(ref json, member, line) ?? rule.Negate;
                break;
            case M.IfUnset:
                rule.IfUnset = ReadString(ref json, member, line);
                break;
            case M.Target:
                rule.Target = ReadString(ref json, member, line);
                break;
            case M.Pattern:
                rule.Pattern = ReadString(ref json, member, line);
                break;
            case M.Addresses:
                rule.Addresses = ReadStrings(ref json, member, line) ?? rule.Addresses;
                break;
            case M.Domains:
                rule.Domains = ReadStrings(ref json, member, line) ?? rule.Domains;
                break;
            case M.Expression:
                rule.Expression = ReadString(ref json, member, line);
                break;
            case M.Check:
                rule.Check = ReadString(ref json, member, line);
                break;
            case M.Args:
                rule.Args = ReadArguments(ref json, member, line) ?? rule.Args;
                break;
            default:
                Unknown(ref json, member, line, "a rule", M.RuleMembers);
                break;
        }
    }

    /// <summary>Moves to the next member of the current object and onto its value; false at the end of the object.</summary>
    private bool NextMember(ref Utf8JsonReader json, HashSet<string> seen, string owner, out string member, out int line)
    {
        while (json.Read() && json.TokenType == JsonTokenType.PropertyName)
        {
            line = LineOf(json);
            string? name;
            try
            {
                name = json.GetString();
            }
            catch (InvalidOperationException)
            {
                name = null;
            }

            json.Read();
            if (name is null)
            {
                Problem(line, $"a member name in {owner} is not valid UTF-8 text");
                json.Skip();
                continue;
            }

            member = name;
            if (seen.Add(member))
            {
                return true;
            }

            Problem(line, $"member '{member}' appears more than once in {owner}");
            json.Skip();
        }

        member = "";
        line = 0;
        return false;
    }

    private string? ReadString(ref Utf8JsonReader json, string member, int line)
    {
        switch (json.TokenType)
        {
            case JsonTokenType.String:
                try
                {
                    return json.GetString();
                }
                catch (InvalidOperationException)
                {
                    Problem(line, $"'{member}' is not valid UTF-8 / UTF-16 text");
                    return null;
                }

            default:
                WrongType(ref json, member, line, "a string");
                return null;
        }
    }

    private double? ReadNumber(ref Utf8JsonReader json, string member, int line)
    {
        if (json.TokenType != JsonTokenType.Number)
        {
            WrongType(ref json, member, line, "a number");
            return null;
        }

        if (json.TryGetDouble(out var value) && double.IsFinite(value))
        {
            // -0 and 0 mean the same score; one spelling keeps the digest stable.
            return value == 0 ? 0 : value;
        }

        Problem(line, $"'{member}' is {Encoding.UTF8.GetString(json.ValueSpan)}, which is not a finite number");
        return null;
    }

    private bool? ReadBool(ref Utf8JsonReader json, string member, int line)
    {
        if (json.TokenType is JsonTokenType.True or JsonTokenType.False)
        {
            return json.GetBoolean();
        }

        WrongType(ref json, member, line, "true or false");
        return null;
    }

    private DateTimeOffset? ReadDate(ref Utf8JsonReader json, string member, int line)
    {
        var text = ReadString(ref json, member, line);
        if (text is null)
        {
            return null;
        }

        if (DateWithOffset().IsMatch(text)
            && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value))
        {
            return value;
        }

        Problem(line, $"'{member}' is \"{text}\"; expected an ISO 8601 date-time with an offset, e.g. 2026-11-28T09:30:00Z");
        return null;
    }

    private List<string>? ReadStrings(ref Utf8JsonReader json, string member, int line)
    {
        if (json.TokenType != JsonTokenType.StartArray)
        {
            WrongType(ref json, member, line, "an array of strings");
            return null;
        }

        var values = new List<string>();
        var ok = true;
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            var entryLine = LineOf(json);
            if (json.TokenType != JsonTokenType.String)
            {
                Problem(entryLine, $"entry {values.Count + 1} of '{member}' must be a string, not {Describe(json.TokenType)}");
                json.Skip();
                ok = false;
                continue;
            }

            if (ReadString(ref json, member, entryLine) is { } value)
            {
                values.Add(value);
            }
        }

        return ok ? values : null;
    }

    // The one place the format takes null: an argument without a value, such as the open end of a range.
    private List<CheckArgument>? ReadArguments(ref Utf8JsonReader json, string member, int line)
    {
        if (json.TokenType != JsonTokenType.StartArray)
        {
            WrongType(ref json, member, line, "an array of numbers, strings and nulls");
            return null;
        }

        var values = new List<CheckArgument>();
        var ok = true;
        while (json.Read() && json.TokenType != JsonTokenType.EndArray)
        {
            var entryLine = LineOf(json);
            switch (json.TokenType)
            {
                case JsonTokenType.Null:
                    values.Add(CheckArgument.Null);
                    break;
                case JsonTokenType.Number when ReadNumber(ref json, member, entryLine) is { } number:
                    values.Add(CheckArgument.FromNumber(number));
                    break;
                case JsonTokenType.String when ReadString(ref json, member, entryLine) is { } text:
                    values.Add(CheckArgument.FromString(text));
                    break;
                case JsonTokenType.Number or JsonTokenType.String:
                    ok = false;
                    break;
                default:
                    Problem(entryLine, $"entry {values.Count + 1} of '{member}' must be a number, a string or null, not {Describe(json.TokenType)}");
                    json.Skip();
                    ok = false;
                    break;
            }
        }

        return ok ? values : null;
    }

    private bool ExpectObject(ref Utf8JsonReader json, string member, int line)
    {
        if (json.TokenType == JsonTokenType.StartObject)
        {
            return true;
        }

        WrongType(ref json, member, line, "an object");
        return false;
    }

    private void WrongType(ref Utf8JsonReader json, string member, int line, string expected)
    {
        var found = json.TokenType == JsonTokenType.String ? $"the string \"{Truncate(json.GetString())}\"" : Describe(json.TokenType);
        Problem(line, $"'{member}' must be {expected}, not {found}");
        json.Skip();
    }

    private void Unknown(ref Utf8JsonReader json, string member, int line, string owner, string[] known)
    {
        Problem(line, $"unknown member '{member}' in {owner} (members: {string.Join(", ", known)})");
        json.Skip();
    }

    private void Require(HashSet<string> seen, int line, string member, string owner)
    {
        if (!seen.Contains(member))
        {
            Problem(line, $"{owner} has no '{member}'");
        }
    }

    private void Problem(int line, string reason) => this.problems.Add(new FormatProblem(this.currentRuleId, line, reason));

    private int LineOf(in Utf8JsonReader json)
    {
        var index = Array.BinarySearch(this.lineStarts, (int)json.TokenStartIndex);
        return index >= 0 ? index + 1 : ~index;
    }

    private static int[] LineStarts(ReadOnlySpan<byte> utf8)
    {
        var starts = new List<int> { 0 };
        var offset = 0;
        int next;
        while ((next = utf8[offset..].IndexOf((byte)'\n')) >= 0)
        {
            offset += next + 1;
            starts.Add(offset);
        }

        return [.. starts];
    }

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "true/false",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };

    private static string? Truncate(string? text) => text is { Length: > 40 } ? text[..40] + "…" : text;

    // The reader's messages end with " LineNumber: n | BytePositionInLine: m."; the line is reported separately.
    private static string PlainJsonMessage(JsonException ex)
    {
        var message = ex.Message;
        var cut = message.IndexOf(" LineNumber:", StringComparison.Ordinal);
        var text = (cut >= 0 ? message[..cut] : message).TrimEnd('.', ' ');
        return ex.BytePositionInLine is { } column ? $"{text} (column {column + 1})" : text;
    }

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,7})?)?(Z|[+-]\d{2}:\d{2})$")]
    private static partial Regex DateWithOffset();

    private sealed class SetBuilder
    {
        public string? Name { get; set; }
        public string? Version { get; set; }
        public DateTimeOffset? Created { get; set; }
        public string? Description { get; set; }
        public Thresholds? Thresholds { get; set; }
        public List<string> FreemailDomains { get; set; } = [];

        public PatternSet Build(IReadOnlyList<Rule> rules) => new()
        {
            FreemailDomains = FreemailDomains,
            Name = Name ?? "",
            Version = Version ?? "",
            Created = Created ?? default,
            Description = Description,
            Thresholds = Thresholds ?? new Thresholds(),
            Rules = rules,
        };
    }

    private sealed class RuleBuilder
    {
        public string? Id { get; set; }
        public string? KindName { get; set; }
        public int KindLine { get; set; }
        public string? Description { get; set; }
        public double Score { get; set; }
        public List<string> Flags { get; set; } = [];
        public string? Header { get; set; }
        public bool Negate { get; set; }
        public string? IfUnset { get; set; }
        public string? Target { get; set; }
        public string? Pattern { get; set; }
        public List<string> Addresses { get; set; } = [];
        public List<string> Domains { get; set; } = [];
        public string? Expression { get; set; }
        public string? Check { get; set; }
        public List<CheckArgument> Args { get; set; } = [];

        public Rule ToRule(string id, RuleKind kind) => new()
        {
            Id = id,
            Kind = kind,
            Description = Description,
            Score = Score,
            Flags = Flags,
            Pattern = Pattern,
            Negate = Negate,
            Header = Header,
            IfUnset = IfUnset,
            Target = Target,
            Addresses = Addresses,
            Domains = Domains,
            Expression = Expression,
            Check = Check,
            Args = Args,
        };
    }
}
