namespace Prefilter.Engine.PatternSets;

/// <summary>JSON member names of the pattern-set format, in the order the writers emit them.</summary>
internal static class PatternSetMembers
{
    public const string Name = "name";
    public const string Version = "version";
    public const string Created = "created";
    public const string Description = "description";
    public const string Thresholds = "thresholds";
    public const string FreemailDomains = "freemailDomains";
    public const string Rules = "rules";

    public const string Tag = "tag";
    public const string Quarantine = "quarantine";

    public const string Id = "id";
    public const string Kind = "kind";
    public const string Score = "score";
    public const string Flags = "flags";
    public const string Header = "header";
    public const string Negate = "negate";
    public const string IfUnset = "ifUnset";
    public const string Target = "target";
    public const string Pattern = "pattern";
    public const string Addresses = "addresses";
    public const string Domains = "domains";
    public const string Expression = "expression";
    public const string Check = "check";
    public const string Args = "args";

    public static readonly string[] SetMembers = [Name, Version, Created, Description, Thresholds, FreemailDomains, Rules];

    public static readonly string[] ThresholdMembers = [Tag, Quarantine];

    public static readonly string[] RuleMembers =
        [Id, Kind, Description, Score, Flags, Header, Negate, IfUnset, Target, Pattern, Addresses, Domains, Expression, Check, Args];
}
