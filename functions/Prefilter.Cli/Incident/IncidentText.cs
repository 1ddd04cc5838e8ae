using System.Globalization;
using System.Text;
using Prefilter.Pipeline.Patterns;

namespace Prefilter.Cli.Incident;

/// <summary>The human-readable summary of an <see cref="IncidentReport"/>, printed after the live steps.</summary>
internal static class IncidentText
{
    /// <summary>The summary, one property a line, with the state changes at the end.</summary>
    /// <param name="report">The report.</param>
    public static string Format(IncidentReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var text = new StringBuilder();
        Line(text, report.GateRefused, $"gate refused {report.IncidentVersion}; blamed first: {string.Join(", ", report.BlamedRules.Take(3))}");
        Line(text, report.ForcedCanary, $"forced past the gate, audited: canary at {report.CanarySharePercent} % of mail");
        Line(text, report.RolledBack && report.RollbackStage == 0, $"watchdog rolled back at stage {report.RollbackStage} ({string.Join(", ", report.BreachedLimits)}) after {report.CanarySeconds} s as canary (stage 0 bakes until {report.StageBakedAt:HH:mm:ss}): canary p99 {report.CanaryP99Ms:0.###} ms over {report.CanaryScans} scans vs active {report.ActiveP99Ms:0.###} ms over {report.ActiveScans}");
        Line(text, report.SubmittedDuringCanary > 0 && report.DeliveredDuringCanary > 0, $"mail flowed during the canary: {report.SubmittedDuringCanary} accepted, {report.DeliveredDuringCanary} delivered");
        Line(text, report.SubmittedAfterRollback > 0 && report.DeliveredAfterRollback > 0, $"mail flowed after the rollback: {report.SubmittedAfterRollback} accepted, {report.DeliveredAfterRollback} delivered");
        Line(text, report.Lost == 0, $"none lost: {report.Submitted} accepted = {report.Delivered} delivered + {report.Quarantined} quarantined + {report.DeadLettered} dead-lettered (lost {report.Lost}; {report.RefusedAtDoor} refused at the door)");
        Line(text, report.BacklogDrained, "backlog drained: every mail has an outcome, the deliver queue is empty");
        if (report.Problem is not null)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  problem: {report.Problem}");
        }

        text.AppendLine("state.json history during the replay:");
        foreach (var change in report.Timeline)
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"  {change.At:HH:mm:ss.fff}  {change.Action.ToWord(),-14} {change.From} -> {change.To}  by {change.Actor}: {change.Reason}");
        }

        text.Append(report.Shown ? "The replay showed every property." : "The replay did NOT show every property.");
        return text.ToString();
    }

    private static void Line(StringBuilder text, bool held, string description) =>
        text.AppendLine(CultureInfo.InvariantCulture, $"  [{(held ? "ok" : "NO")}] {description}");
}
