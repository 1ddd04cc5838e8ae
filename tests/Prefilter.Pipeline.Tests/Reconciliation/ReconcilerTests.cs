using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Reconciliation;

[Collection(PipelineCollection.Name)]
public sealed class ReconcilerTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    [Fact]
    public async Task Mail_without_an_outcome_is_redriven_once_it_is_older_than_the_minimum_age()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        await bed.ActivateAsync(TestData.Set("v1"));
        var lost = await bed.StoreMailAsync(TestData.Mail("event lost"), "bob@fabrikam.example", "alice@contoso.example");
        var handled = await bed.StoreMailAsync(TestData.Mail("event delivered"), "bob@fabrikam.example", "alice@contoso.example");
        await bed.Scan.ScanAsync(handled.Name);
        await bed.DrainQueueAsync();

        var early = await bed.Reconciler.RunAsync();
        bed.Time.Advance(TimeSpan.FromMinutes(6));
        var due = await bed.Reconciler.RunAsync();
        var again = await bed.Reconciler.RunAsync();

        Assert.Equal((2, 0), (early.Examined, early.Redriven));
        Assert.Equal((2, 1, 0, false), (due.Examined, due.Redriven, due.Failed, due.Held));
        Assert.Equal(0, again.Redriven);
        Assert.Equal(MailOutcome.Scanned, (await bed.Mails.GetInfoAsync(lost.Name)).Outcome);
        Assert.Equal(1, bed.QueueCounts.Active);
    }

    [Fact]
    public async Task Without_a_pattern_set_the_run_stops_and_holds_the_mail()
    {
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        var held = await bed.StoreMailAsync(TestData.Mail("waiting"), "bob@fabrikam.example", "alice@contoso.example");
        bed.Time.Advance(TimeSpan.FromMinutes(6));

        var report = await bed.Reconciler.RunAsync();

        Assert.True(report.Held);
        Assert.Null((await bed.Mails.GetInfoAsync(held.Name)).Outcome);
        Assert.Equal(0, bed.QueueCounts.Active);
    }
}
