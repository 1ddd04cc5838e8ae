using Prefilter.Engine.Regexes;

namespace Prefilter.Cli;

/// <summary>The one-line summary of how a set's rules run, shared by lint and bench.</summary>
internal static class RuleClassText
{
    public static string Describe(RuleClassCounts classes) =>
        $"rules: {classes.Linear} linear, {classes.LinearWithEdgeCheck} linear with edge check, " +
        $"{classes.CheckedBacktracking} checked backtracking, {classes.Refused} refused, {classes.NonRegex} without regex";
}
