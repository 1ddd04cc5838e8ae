using System.Text.Json;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Release;

namespace Prefilter.Pipeline.Tests.Release;

/// <summary>Release actions keep the words documents were written with, under both serializer settings in use.</summary>
public sealed class ReleaseActionJsonTests
{
    public static TheoryData<string, ReleaseAction> Words => new()
    {
        { "activate", ReleaseAction.Activate },
        { "activate-forced", ReleaseAction.ActivateForced },
        { "canary", ReleaseAction.Canary },
        { "canary-forced", ReleaseAction.CanaryForced },
        { "advance", ReleaseAction.Advance },
        { "promote", ReleaseAction.Promote },
        { "cancel-canary", ReleaseAction.CancelCanary },
        { "canary-rollback", ReleaseAction.CanaryRollback },
        { "rollback", ReleaseAction.Rollback },
        { "kill", ReleaseAction.Kill },
        { "refused", ReleaseAction.Refused },
    };

    [Theory]
    [MemberData(nameof(Words))]
    public void A_history_entry_and_an_audit_record_read_and_write_the_word(string word, ReleaseAction action)
    {
        foreach (var options in new[] { new JsonSerializerOptions(JsonSerializerDefaults.Web), ReleaseJson.Options })
        {
            var change = JsonSerializer.Deserialize<PatternStateChange>($$"""{"at":"2026-11-28T10:00:00+00:00","action":"{{word}}","actor":"ops"}""", options)!;
            var record = JsonSerializer.Deserialize<ReleaseAuditRecord>($$"""{"at":"2026-11-28T10:00:00+00:00","action":"{{word}}","actor":"ops"}""", options)!;

            Assert.Equal((action, action), (change.Action, record.Action));
            Assert.Equal(word, JsonSerializer.SerializeToElement(change, options).GetProperty("action").GetString());
            Assert.Equal(word, JsonSerializer.SerializeToElement(record, options).GetProperty("action").GetString());
        }
    }

    [Fact]
    public void An_unknown_word_is_a_format_error_not_a_default()
    {
        Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<PatternStateChange>("""{"at":"2026-11-28T10:00:00+00:00","action":"teleport"}""", ReleaseJson.Options));
    }
}
