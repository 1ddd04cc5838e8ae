using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Prefilter.DevServices.Smtp;
using Prefilter.Engine.Scanning;
using Prefilter.Pipeline.Api;
using Prefilter.Pipeline.Delivery;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Ingest;
using Prefilter.Pipeline.Patterns;
using Prefilter.Pipeline.Storage;
using Prefilter.Pipeline.Telemetry;
using Prefilter.Pipeline.Tests.Delivery;
using Prefilter.Pipeline.Tests.Fixtures;

namespace Prefilter.Pipeline.Tests.Telemetry;

/// <summary>
/// The spans and metrics the README documents, as an OpenTelemetry SDK exports them (in-memory exporter), from the
/// real stages on Azurite, the dev broker and SMTP sinks on loopback.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed class PipelineTelemetryTests(AzuriteFixture azurite, DevBrokerFixture broker)
{
    private static CancellationToken Timeout() => new CancellationTokenSource(DeliveryScenario.Patience).Token;

    [Fact]
    public async Task A_mail_is_one_trace_from_ingress_through_scan_to_delivery_carried_on_the_blob_and_the_message()
    {
        using var capture = new TelemetryCapture();
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await using var sink = await SmtpSink.StartAsync();
        await bed.ServeDomainsAsync(new ServedDomain("contoso.example", new Downstream(sink.Host, sink.Port, TlsPolicy.None, null), null, false));
        var version = $"trace-{Guid.NewGuid():N}";
        await bed.ActivateAsync(TestData.Set(version));

        // Delivery in a container of its own, as another process would run it: only the message carries the trace.
        await using var delivery = DeliveryServices(bed);
        Assert.Null(Activity.Current);
        var stored = await bed.Ingest.IngestAsync(
            new MemoryStream(Encoding.UTF8.GetBytes(TestData.Mail("Lunch on Friday?"))), new MailEnvelope("bob@fabrikam.example", ["alice@contoso.example"]));
        Assert.Null(Activity.Current);
        await bed.Scan.ScanAsync(stored.Name);
        await delivery.GetRequiredService<DeliveryProcessorService>().StartAsync();
        await sink.WaitForMessagesAsync(1, Timeout());

        var ingress = Assert.Single(capture.Trace(TraceOf(stored)), span => span.DisplayName == PipelineActivities.IngressName);
        var trace = await capture.WaitForSpanAsync(ingress.TraceId, PipelineActivities.ProcessName(bed.Queue), Timeout());
        trace = await capture.WaitForSpanAsync(ingress.TraceId, PipelineActivities.RelayName, Timeout());

        Assert.Equal(ingress.Id, stored.Metadata[MailTraceContext.TraceParent]);
        Assert.Equal(ActivityKind.Producer, ingress.Kind);
        Assert.Equal("http", ingress.GetTagItem(TelemetryAttributes.IngressDoor));
        Assert.Equal(stored.Name, ingress.GetTagItem(TelemetryAttributes.MailId));

        var scan = Assert.Single(trace, span => span.DisplayName == PipelineActivities.ScanName);
        Assert.Equal(ingress.SpanId, scan.ParentSpanId);
        Assert.Equal(version, scan.GetTagItem(TelemetryAttributes.SetVersion));
        Assert.Equal("active", scan.GetTagItem(TelemetryAttributes.SetRole));
        Assert.Equal("deliver", scan.GetTagItem(TelemetryAttributes.VerdictAction));
        Assert.Equal("scanned", scan.GetTagItem(TelemetryAttributes.MailOutcome));

        var send = Assert.Single(trace, span => span.DisplayName == PipelineActivities.SendName(bed.Queue));
        Assert.Equal(scan.SpanId, send.ParentSpanId);
        Assert.Equal(ActivityKind.Producer, send.Kind);
        Assert.Equal("servicebus", send.GetTagItem(TelemetryAttributes.MessagingSystem));
        Assert.Equal("send", send.GetTagItem(TelemetryAttributes.MessagingOperationType));
        Assert.Equal(bed.Queue, send.GetTagItem(TelemetryAttributes.MessagingDestination));

        var process = Assert.Single(trace, span => span.DisplayName == PipelineActivities.ProcessName(bed.Queue));
        Assert.Equal(send.SpanId, process.ParentSpanId);
        Assert.Equal(ActivityKind.Consumer, process.Kind);
        Assert.Equal("process", process.GetTagItem(TelemetryAttributes.MessagingOperationType));
        Assert.Equal(send.GetTagItem(TelemetryAttributes.MessagingMessageId), process.GetTagItem(TelemetryAttributes.MessagingMessageId));
        Assert.Equal("delivered", process.GetTagItem(TelemetryAttributes.DeliveryResult));
        Assert.Equal("complete", process.GetTagItem(TelemetryAttributes.ServiceBusDisposition));

        var relay = Assert.Single(trace, span => span.DisplayName == PipelineActivities.RelayName);
        Assert.Equal(process.SpanId, relay.ParentSpanId);
        Assert.Equal(ActivityKind.Client, relay.Kind);
        Assert.Equal("smtp", relay.GetTagItem(TelemetryAttributes.NetworkProtocol));
        Assert.Equal(sink.Host, relay.GetTagItem(TelemetryAttributes.ServerAddress));
        Assert.Equal(sink.Port, relay.GetTagItem(TelemetryAttributes.ServerPort));
        Assert.Equal("accepted", relay.GetTagItem(TelemetryAttributes.RelayResult));
    }

    [Fact]
    public async Task A_claim_check_carries_its_send_span_as_diagnostic_id_and_traceparent()
    {
        using var capture = new TelemetryCapture();
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        await bed.ActivateAsync(TestData.Set($"carried-{Guid.NewGuid():N}"));
        var stored = await bed.StoreMailAsync(TestData.Mail("Lunch on Friday?"), "bob@fabrikam.example", "alice@contoso.example");

        await bed.Scan.ScanAsync(stored.Name);

        var message = Assert.Single(await bed.DrainQueueAsync());
        var send = Assert.Single(capture.Trace(TraceOf(stored)), span => span.DisplayName == PipelineActivities.SendName(bed.Queue));
        Assert.Equal(send.Id, message.ApplicationProperties[MailTraceContext.DiagnosticId]);
        Assert.Equal(send.Id, message.ApplicationProperties[MailTraceContext.TraceParent]);
        Assert.Equal(send.SpanId, MailTraceContext.Extract(message.ApplicationProperties).SpanId);
    }

    [Fact]
    public async Task Scans_are_counted_by_action_with_their_duration_sampled_rule_cost_and_the_release_state()
    {
        using var capture = new TelemetryCapture();

        // The bed's fake clock stands still, so every rule would cost nothing; this one moves a microsecond per reading.
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker, scanner: new ScannerOptions { TimeProvider = new SteppingClock(TimeSpan.FromTicks(10)) });
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        var active = $"active-{Guid.NewGuid():N}";
        var canary = $"canary-{Guid.NewGuid():N}";
        await bed.ActivateAsync(TestData.Set(active));
        await StartCanaryAsync(bed, TestData.Set(canary), 30);
        bed.PassRefreshInterval();

        // Mail of 256 KB and more is always sampled for rule cost.
        var large = TestData.Mail("cheap " + new string('x', 300 * 1024));
        foreach (var mail in new[] { TestData.Mail("Lunch on Friday?"), TestData.Mail("viagra"), large })
        {
            var stored = await bed.StoreMailAsync(mail, "bob@fabrikam.example", "alice@contoso.example");
            await bed.Scan.ScanAsync(stored.Name);
        }

        var scans = capture.Points(PipelineMetrics.ScansName)
            .Where(point => point.Tags[TelemetryAttributes.SetVersion] is string version && (version == active || version == canary)).ToList();
        Assert.Equal(3, scans.Sum(point => point.Value));
        Assert.All(scans, point => Assert.Equal(point.Tags[TelemetryAttributes.SetVersion] as string == canary ? "canary" : "active", point.Tags[TelemetryAttributes.SetRole]));
        Assert.Equal(["deliver", "quarantine", "tag"], scans.SelectMany(point => Enumerable.Repeat((string)point.Tags[TelemetryAttributes.VerdictAction]!, (int)point.Value)).Order());

        Assert.Equal("s", capture.Metric(PipelineMetrics.ScanDurationName)!.Unit);
        Assert.Equal(3, capture.Points(PipelineMetrics.ScanDurationName)
            .Where(point => point.Tags[TelemetryAttributes.SetVersion] is string version && (version == active || version == canary)).Sum(point => point.Value));

        var ruleCosts = capture.Points(PipelineMetrics.RuleDurationName)
            .Where(point => point.Tags[TelemetryAttributes.SetVersion] is string version && (version == active || version == canary)).ToList();
        Assert.Contains(ruleCosts, point => (string?)point.Tags[TelemetryAttributes.RuleId] == "CHEAP_WORD");
        Assert.Equal("s", capture.Metric(PipelineMetrics.RuleDurationName)!.Unit);

        var sets = capture.Points(PipelineMetrics.ReleaseSetsName);
        Assert.Contains(sets, point => (string?)point.Tags[TelemetryAttributes.SetVersion] == active && (string?)point.Tags[TelemetryAttributes.SetRole] == "active" && point.Value == 1);
        Assert.Contains(sets, point => (string?)point.Tags[TelemetryAttributes.SetVersion] == canary && (string?)point.Tags[TelemetryAttributes.SetRole] == "canary" && point.Value == 1);
        Assert.Equal(0.3, Assert.Single(capture.Points(PipelineMetrics.CanaryShareName), point => (string?)point.Tags[TelemetryAttributes.SetVersion] == canary).Value, 6);
        Assert.Contains(capture.Points(PipelineMetrics.SentMessagesName), point => (string?)point.Tags[TelemetryAttributes.MessagingDestination] == bed.Queue && point.Value == 2);
    }

    [Fact]
    public async Task Deadline_hits_count_as_incomplete_scans_by_reason_as_does_mail_over_the_cap()
    {
        using var capture = new TelemetryCapture();

        // Every reading of this clock is a second later, so every scan passes its 2 s deadline (without the
        // accelerator, which reads the clock once per unit rather than once per regex run).
        await using var bed = await PipelineTestBed.CreateAsync(
            azurite, broker, new Dictionary<string, string?> { ["Scanning:MaxMailBytes"] = "4096" },
            new ScannerOptions { TimeProvider = new SteppingClock(TimeSpan.FromSeconds(1)), Accelerator = ScanAccelerator.None });
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        var version = $"deadline-{Guid.NewGuid():N}";
        await bed.ActivateAsync(TestData.Set(version));
        var slow = await bed.StoreMailAsync(TestData.Mail("cheap viagra"), "bob@fabrikam.example", "alice@contoso.example");
        var oversized = await bed.StoreMailAsync(TestData.Mail(new string('x', 8192)), "bob@fabrikam.example", "alice@contoso.example");

        Assert.True((await bed.Scan.ScanAsync(slow.Name)).Verdict!.Incomplete);
        Assert.True((await bed.Scan.ScanAsync(oversized.Name)).Verdict!.Incomplete);

        var incomplete = capture.Points(PipelineMetrics.IncompleteScansName);
        Assert.Contains(incomplete, point => (string?)point.Tags[TelemetryAttributes.SetVersion] == version && (string?)point.Tags[TelemetryAttributes.IncompleteReason] == "deadline" && point.Value == 1);
        Assert.Contains(incomplete, point => (string?)point.Tags[TelemetryAttributes.IncompleteReason] == "oversized" && !point.Tags.ContainsKey(TelemetryAttributes.SetVersion));
    }

    [Fact]
    public async Task Deliveries_are_counted_by_result_with_relay_latency_retries_and_dead_letter_reasons()
    {
        using var capture = new TelemetryCapture();
        await using var scenario = await DeliveryScenario.CreateAsync(azurite, broker, maxAttempts: 2);
        var sink = await scenario.ServeAsync("alpha.example");
        var closed = ClosedPort();
        scenario.Serve("beta.example", new Downstream("127.0.0.1", closed, TlsPolicy.None, null));
        await scenario.StartAsync();

        await scenario.SubmitAsync(DeliveryScenario.Mail("a@alpha.example"), "sender@origin.example", ["a@alpha.example"]);
        var stuck = await scenario.SubmitAsync(DeliveryScenario.Mail("b@beta.example"), "sender@origin.example", ["b@beta.example"]);
        await sink.WaitForMessagesAsync(1, Timeout());
        Assert.Equal(MailOutcome.DeadLettered, (await scenario.WaitForOutcomeAsync(stuck.BlobName)).Outcome);
        await scenario.WaitUntilQueueIsSettledAsync();

        var relays = capture.Points(PipelineMetrics.RelayDurationName);
        Assert.Contains(relays, point => (int?)point.Tags[TelemetryAttributes.ServerPort] == sink.Port && (string?)point.Tags[TelemetryAttributes.RelayResult] == "accepted");
        Assert.Contains(relays, point => (int?)point.Tags[TelemetryAttributes.ServerPort] == closed && (string?)point.Tags[TelemetryAttributes.RelayResult] == "failed" && point.Value == 2);
        Assert.Equal("s", capture.Metric(PipelineMetrics.RelayDurationName)!.Unit);

        Assert.Contains(capture.Points(PipelineMetrics.RetriesName), point => (int?)point.Tags[TelemetryAttributes.DeliveryAttempt] == 2);
        Assert.Contains(capture.Points(PipelineMetrics.DeadLettersName), point => (string?)point.Tags[TelemetryAttributes.DeadLetterReason] == DeadLetterReasons.RetriesExhausted);
        var results = await WaitForAsync(() => capture.Points(PipelineMetrics.DeliveriesName).Select(point => (string?)point.Tags[TelemetryAttributes.DeliveryResult]).ToHashSet(), results => results.IsSupersetOf(["delivered", "retry-scheduled", "dead-lettered"]));
        Assert.Superset(new HashSet<string?> { "delivered", "retry-scheduled", "dead-lettered" }, results);

        var processed = capture.Points(PipelineMetrics.ProcessDurationName).Where(point => (string?)point.Tags[TelemetryAttributes.MessagingDestination] == scenario.Queue).ToList();
        Assert.Equal(3, processed.Sum(point => point.Value));
        Assert.All(processed, point => Assert.Equal("servicebus", point.Tags[TelemetryAttributes.MessagingSystem]));
    }

    [Fact]
    public async Task Ingress_counts_accepted_mail_and_refusals_by_reason()
    {
        using var capture = new TelemetryCapture();
        await using var bed = await PipelineTestBed.CreateAsync(azurite, broker);
        await bed.ServeDomainsAsync(PipelineTestBed.Domain("contoso.example"));
        var api = new MailApi(bed.Ingest);

        Assert.Equal(202, (await api.HandleAsync(Post("alice@contoso.example"))).StatusCode);
        Assert.Equal(403, (await api.HandleAsync(Post("victim@elsewhere.example"))).StatusCode);

        Assert.Contains(capture.Points(PipelineMetrics.IngressAcceptedName), point => (string?)point.Tags[TelemetryAttributes.IngressDoor] == "http");
        Assert.Contains(capture.Points(PipelineMetrics.IngressRefusedName), point =>
            (string?)point.Tags[TelemetryAttributes.IngressDoor] == "http" && (string?)point.Tags[TelemetryAttributes.IngressReason] == "relay-denied");

        static ApiRequest Post(string to) => new(
            "POST",
            MailApi.Route,
            new Dictionary<string, IReadOnlyList<string>> { [HttpIngest.SenderParameter] = ["bob@fabrikam.example"], [HttpIngest.RecipientsParameter] = [to] },
            new Dictionary<string, string>(),
            new MemoryStream(Encoding.UTF8.GetBytes(TestData.Mail("hello"))),
            null);
    }

    private static ActivityTraceId TraceOf(MailBlobInfo stored) =>
        MailTraceContext.Extract(stored.Metadata) is { TraceId: var id } context && context != default
            ? id
            : throw new Xunit.Sdk.XunitException($"{stored.Name} carries no trace context");

    private static async Task StartCanaryAsync(PipelineTestBed bed, Engine.PatternSets.PatternSet set, double sharePercent)
    {
        var reference = await bed.Patterns.StoreSetAsync(set);
        var read = (await bed.Patterns.ReadStateAsync())!.Snapshot!;
        await bed.Patterns.WriteStateAsync(read.State with { Canary = new PatternCanary(reference, sharePercent, 1, bed.Time.GetUtcNow()) }, read.ETag);
    }

    private ServiceProvider DeliveryServices(PipelineTestBed bed) =>
        new ServiceCollection().AddSingleton<Microsoft.Extensions.Logging.ILoggerFactory>(NullLoggerFactory.Instance).AddLogging()
            .AddPrefilterDelivery(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:connectionString"] = azurite.ConnectionString,
                ["Storage:containerPrefix"] = bed.Containers.Prefix,
                ["ServiceBus"] = broker.ConnectionString,
                ["ServiceBus:deliverQueue"] = bed.Queue,
            }).Build())
            .BuildServiceProvider();

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<T> WaitForAsync<T>(Func<T> read, Func<T, bool> done)
    {
        var cancellationToken = Timeout();
        var value = read();
        while (!done(value))
        {
            await Task.Delay(20, cancellationToken);
            value = read();
        }

        return value;
    }
}
