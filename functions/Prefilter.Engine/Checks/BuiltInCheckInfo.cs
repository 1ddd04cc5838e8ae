using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Checks;

/// <summary>A built-in check a pattern set can name in a <c>check</c> rule: what it tests, its parameters and its cost.</summary>
public sealed class BuiltInCheckInfo
{
    private readonly Func<IReadOnlyList<CheckArgument>, BuiltInCheck> bind;

    internal BuiltInCheckInfo(string name, string spamAssassinEval, IReadOnlyList<CheckParameter> parameters, string description,
        string bound, Func<IReadOnlyList<CheckArgument>, BuiltInCheck> bind)
    {
        Name = name;
        SpamAssassinEval = spamAssassinEval;
        Parameters = parameters;
        Description = description;
        Bound = bound;
        this.bind = bind;
    }

    /// <summary>The name a rule's <c>check</c> member gives, e.g. <c>shifted_date</c>.</summary>
    public string Name { get; }

    /// <summary>The SpamAssassin <c>eval:</c> function it does, e.g. <c>check_for_shifted_date</c>; the importer maps calls of it here.</summary>
    public string SpamAssassinEval { get; }

    /// <summary>Its parameters, in the order of a rule's <c>args</c>.</summary>
    public IReadOnlyList<CheckParameter> Parameters { get; }

    /// <summary>What it tests, in plain words.</summary>
    public string Description { get; }

    /// <summary>The most work it does on one mail.</summary>
    public string Bound { get; }

    /// <summary>The reason <paramref name="args"/> do not fit the parameters; null when they do.</summary>
    /// <param name="args">A rule's arguments.</param>
    public string? Validate(IReadOnlyList<CheckArgument> args)
    {
        ArgumentNullException.ThrowIfNull(args);
        var required = Parameters.Count(parameter => !parameter.Optional);
        if (args.Count < required || args.Count > Parameters.Count)
        {
            var count = required == Parameters.Count ? $"{required}" : $"{required} to {Parameters.Count}";
            return $"the check '{Name}' takes {count} argument{(Parameters.Count == 1 ? "" : "s")} ({Signature}), not {args.Count}";
        }

        for (var i = 0; i < args.Count; i++)
        {
            var (parameter, argument) = (Parameters[i], args[i]);
            var fits = parameter.Type switch
            {
                CheckParameterType.Number => argument.Number is not null,
                CheckParameterType.NumberOrNull => argument.Text is null,
                CheckParameterType.HeaderName => argument.Text is { Length: > 0 } text && text.All(c => c is > ' ' and < '\x7f' and not ':'),
                CheckParameterType.Pattern => argument.Text is { Length: > 0 } pattern && IsLinearPattern(pattern),
                _ => false,
            };
            if (!fits)
            {
                return $"argument {i + 1} of the check '{Name}' ({parameter.Name}) must be {Expected(parameter.Type)}, not {argument}";
            }
        }

        return null;
    }

    /// <summary>The parameters as documentation shows them, optional ones in brackets, e.g. <c>header, [pattern]</c>.</summary>
    public string Signature => string.Join(", ", Parameters.Select(parameter => parameter.Optional ? $"[{parameter.Name}]" : parameter.Name));

    internal BuiltInCheck Bind(IReadOnlyList<CheckArgument> args) =>
        Validate(args) is { } problem ? throw new ArgumentException(problem, nameof(args)) : this.bind(args);

    private static string Expected(CheckParameterType type) => type switch
    {
        CheckParameterType.Number => "a number",
        CheckParameterType.NumberOrNull => "a number or null",
        CheckParameterType.HeaderName => "a header name (printable ASCII without spaces or ':')",
        _ => "a regular expression without backreferences or lookarounds",
    };

    // A check's pattern runs on the linear engine, and the analyzer's budgets keep building it cheap.
    private static bool IsLinearPattern(string pattern) => Regexes.RegexAnalyzer.Analyze(pattern).Class == Regexes.RuleExecutionClass.Linear;
}
