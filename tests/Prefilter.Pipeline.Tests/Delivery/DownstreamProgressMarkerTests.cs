using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;

namespace Prefilter.Pipeline.Tests.Delivery;

/// <summary>
/// The marker format is read by the next deploy: a mail half-delivered by the instances running now must resume after
/// it. The literal markers below are what those instances write.
/// </summary>
public sealed class DownstreamProgressMarkerTests
{
    private const string Delivered = "delivered mx.alpha.example:25 250 2.0.0 OK";
    private const string Refused = "refused mx.alpha.example:25 550 5.7.1 rejected";
    private const string Deferred =
        "deferred a4628f94 1 mx.alpha.example:25 deferred carol@alpha.example 452 full refused bob@alpha.example 550 no such user; took the others: 250 OK";
    private const string PartlyRefused =
        "partly-refused mx.alpha.example:25 250 OK; before: deferred mx.alpha.example:25 deferred carol@alpha.example 452 full refused bob@alpha.example 550 no such user; took the others: 250 OK";
    private const string TwoWaiting = "deferred a4628f94,0ad20c73 0 mx.alpha.example:25 deferred carol@alpha.example 452 full, dave@alpha.example 451 later; took the others: 250 OK";

    private static readonly Downstream Mx = new("mx.alpha.example", 25, TlsPolicy.None, null);

    public static TheoryData<string, DownstreamState> Markers => new()
    {
        { Delivered, DownstreamState.Delivered },
        { Refused, DownstreamState.Refused },
        { Deferred, DownstreamState.Deferred },
        { PartlyRefused, DownstreamState.PartlyRefused },
        { TwoWaiting, DownstreamState.Deferred },
    };

    public static TheoryData<string> Progresses => [nameof(Delivered), nameof(Refused), nameof(Deferred), nameof(PartlyRefused)];

    private static readonly Dictionary<string, string> Written = new()
    {
        [nameof(Delivered)] = Delivered,
        [nameof(Refused)] = Refused,
        [nameof(Deferred)] = Deferred,
        [nameof(PartlyRefused)] = PartlyRefused,
    };

    [Theory]
    [MemberData(nameof(Markers))]
    public void A_marker_written_before_reads_back_to_its_state_and_formats_to_the_same_text(string marker, DownstreamState state)
    {
        var progress = DownstreamProgressMarker.Parse(marker);

        Assert.Equal(state, progress.State);
        Assert.Equal(marker, DownstreamProgressMarker.Format(progress));
    }

    [Fact]
    public void A_deferred_marker_written_before_resumes_with_the_waiting_recipients_and_its_refusals()
    {
        var twoWaiting = DownstreamProgressMarker.Parse(TwoWaiting);
        var deferred = DownstreamProgressMarker.Parse(Deferred);

        Assert.Equal(["carol@alpha.example", "dave@alpha.example"], twoWaiting.Waiting(["alice@alpha.example", "carol@alpha.example", "dave@alpha.example"]));
        Assert.False(twoWaiting.HasRefusals);
        Assert.True(deferred.HasRefusals);
        Assert.Equal(1, deferred.RefusedSoFar);
        Assert.Equal(Deferred.Replace("deferred a4628f94 1 ", "deferred ", StringComparison.Ordinal), deferred.Description);
    }

    [Theory]
    [MemberData(nameof(Progresses))]
    public void Progress_round_trips_through_its_marker_as_the_same_text_it_was_written_from(string name)
    {
        var progress = Progress(name);

        var marker = DownstreamProgressMarker.Format(progress);

        Assert.Equal(progress, DownstreamProgressMarker.Parse(marker));
        Assert.Equal(Written[name], marker);
    }

    [Fact]
    public void No_marker_and_a_word_that_only_starts_like_a_state_are_pending()
    {
        Assert.Equal(DownstreamProgress.Pending, DownstreamProgressMarker.Parse(null));
        Assert.Equal(DownstreamProgress.Pending, DownstreamProgressMarker.Parse("deferredness"));
        Assert.Equal(DownstreamState.PartlyRefused, DownstreamProgressMarker.Parse("partly-refused mx:25 refused a 550 x").State);
        Assert.Equal(DownstreamState.Refused, DownstreamProgressMarker.Parse("refused mx:25 550 x").State);
    }

    [Theory]
    [InlineData("deferred a4628f94")]
    [InlineData("deferred a4628f94 some mx.alpha.example:25 deferred")]
    public void A_deferred_marker_without_its_recipients_and_count_is_refused(string marker)
    {
        Assert.Throws<FormatException>(() => DownstreamProgressMarker.Parse(marker));
    }

    [Fact]
    public void Pending_has_no_marker()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => DownstreamProgressMarker.Format(DownstreamProgress.Pending));
    }

    [Fact]
    public void The_metadata_key_and_its_marker_are_read_together()
    {
        var metadata = new Dictionary<string, string> { [DownstreamProgressMarker.KeyOf(Mx, VerdictAction.Deliver)] = Delivered };

        Assert.StartsWith(DownstreamProgressMarker.KeyPrefix, DownstreamProgressMarker.KeyOf(Mx, VerdictAction.Deliver), StringComparison.Ordinal);
        Assert.Equal(DownstreamState.Delivered, DownstreamProgressMarker.Read(metadata, Mx, VerdictAction.Deliver).State);
        Assert.Equal(DownstreamProgress.Pending, DownstreamProgressMarker.Read(metadata, Mx, VerdictAction.Tag));
    }

    private static DownstreamProgress Progress(string name)
    {
        var deferred = DownstreamProgress.Accepted(
            Mx,
            new SmtpRelayResult("250 OK", [new RecipientRefusal("bob@alpha.example", 550, "no such user")], [new RecipientRefusal("carol@alpha.example", 452, "full")]),
            DownstreamProgress.Pending);
        return name switch
        {
            nameof(Delivered) => DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 2.0.0 OK", [], []), DownstreamProgress.Pending),
            nameof(Refused) => DownstreamProgress.Refused(new PermanentRelayException("mx.alpha.example:25", 550, "5.7.1 rejected"), DownstreamProgress.Pending),
            nameof(Deferred) => deferred,
            _ => DownstreamProgress.Accepted(Mx, new SmtpRelayResult("250 OK", [], []), deferred),
        };
    }
}
