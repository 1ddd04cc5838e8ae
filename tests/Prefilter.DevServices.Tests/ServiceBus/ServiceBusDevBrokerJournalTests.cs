using Azure.Messaging.ServiceBus;
using Prefilter.DevServices.ServiceBus;

namespace Prefilter.DevServices.Tests.ServiceBus;

/// <summary>
/// The broker's journal (<see cref="ServiceBusDevBrokerOptions.Location"/>) through the real SDK. A crash is a copy of
/// the journal taken while the broker runs: what was on disk at that instant, which is all a killed broker leaves.
/// </summary>
public sealed class ServiceBusDevBrokerJournalTests : IDisposable
{
    private const string Queue = "deliver";
    private const string JournalFileName = "broker.journal";
    private static readonly TimeSpan Present = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Absent = TimeSpan.FromSeconds(1);

    private readonly string folder = Directory.CreateTempSubdirectory("prefilter-broker-journal-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    [Fact]
    public async Task After_a_crash_acknowledged_messages_are_back_settled_ones_are_not_and_a_locked_one_is_available_again()
    {
        var before = Path.Combine(folder, "before");
        var after = Path.Combine(folder, "after");
        await using (var broker = await StartAsync(before))
        await using (var client = ClientOf(broker))
        {
            await using var sender = client.CreateSender(Queue);
            await using var receiver = client.CreateReceiver(Queue);
            foreach (var id in new[] { "completed", "locked", "dead", "waiting" })
            {
                await sender.SendMessageAsync(new ServiceBusMessage(id) { MessageId = id });
            }

            await sender.ScheduleMessageAsync(new ServiceBusMessage("later") { MessageId = "scheduled" }, DateTimeOffset.UtcNow.AddHours(1));
            await receiver.CompleteMessageAsync(await ReceiveAsync(receiver, "completed"));
            var locked = await ReceiveAsync(receiver, "locked");
            await receiver.DeadLetterMessageAsync(await ReceiveAsync(receiver, "dead"), "DownstreamRejected", "550 5.1.1 user unknown");

            Crash(before, after);
            Assert.Equal(new(1, 1, 1, 1), broker.GetQueueCounts(Queue));
            await receiver.CompleteMessageAsync(locked);
        }

        await using var restarted = await StartAsync(after);
        await using var restartedClient = ClientOf(restarted);
        Assert.Equal(new(2, 1, 0, 1), restarted.GetQueueCounts(Queue));
        // One receive per link: a second receive on one link can come back empty under heavy load (cause not found;
        // the dev broker's README says so), and this test is about what the journal restores, not about credit.
        await using var next = restartedClient.CreateReceiver(Queue);
        await using var other = restartedClient.CreateReceiver(Queue);
        var first = await next.ReceiveMessageAsync(Present);
        var second = await other.ReceiveMessageAsync(Present);
        Assert.Equal("locked", first?.MessageId);
        Assert.Equal("waiting", second?.MessageId);
        Assert.Equal(1, first!.DeliveryCount);
        await using var deadLetters = restartedClient.CreateReceiver(Queue, new ServiceBusReceiverOptions { SubQueue = SubQueue.DeadLetter });
        var dead = await deadLetters.ReceiveMessageAsync(Present);
        Assert.Equal("dead", dead?.MessageId);
        Assert.Equal("DownstreamRejected", dead!.DeadLetterReason);
        Assert.Equal("550 5.1.1 user unknown", dead.DeadLetterErrorDescription);
    }

    [Fact]
    public async Task A_killed_broker_comes_back_on_its_port_and_its_clients_reconnect_to_what_it_acknowledged()
    {
        await using var broker = await StartAsync(folder);
        await using var client = ClientOf(broker);
        await using var sender = client.CreateSender(Queue);
        await sender.SendMessageAsync(new ServiceBusMessage("kept") { MessageId = "kept" });
        var port = broker.Port;

        await broker.KillAsync();
        Assert.Throws<InvalidOperationException>(() => broker.Port);
        await broker.StartAsync();

        Assert.Equal(port, broker.Port);
        await sender.SendMessageAsync(new ServiceBusMessage("again") { MessageId = "kept" });
        await using var receiver = client.CreateReceiver(Queue);
        var received = await receiver.ReceiveMessageAsync(Present);
        Assert.Equal("kept", received?.Body.ToString());
        await receiver.CompleteMessageAsync(received);
        Assert.Equal(new(0, 0, 0, 0), broker.GetQueueCounts(Queue));
    }

    [Fact]
    public async Task After_a_restart_duplicate_detection_remembers_message_ids_and_sequence_numbers_go_on()
    {
        long lastBefore;
        await using (var broker = await StartAsync(folder))
        await using (var client = ClientOf(broker))
        {
            await using var sender = client.CreateSender(Queue);
            await using var receiver = client.CreateReceiver(Queue);
            await sender.SendMessageAsync(new ServiceBusMessage("once") { MessageId = "claim-check-1" });
            var received = await receiver.ReceiveMessageAsync(Present);
            lastBefore = received!.SequenceNumber;
            await receiver.CompleteMessageAsync(received);
        }

        await using var restarted = await StartAsync(folder);
        await using var restartedClient = ClientOf(restarted);
        await using var restartedSender = restartedClient.CreateSender(Queue);
        await restartedSender.SendMessageAsync(new ServiceBusMessage("again") { MessageId = "claim-check-1" });
        Assert.Equal(new(0, 0, 0, 0), restarted.GetQueueCounts(Queue));

        await restartedSender.SendMessageAsync(new ServiceBusMessage("new") { MessageId = "claim-check-2" });
        await using var receiver2 = restartedClient.CreateReceiver(Queue);
        var fresh = await receiver2.ReceiveMessageAsync(Present);
        Assert.Equal("claim-check-2", fresh?.MessageId);
        Assert.True(fresh!.SequenceNumber > lastBefore, $"sequence number {fresh.SequenceNumber} after {lastBefore}");
    }

    [Fact]
    public async Task Messages_of_a_queue_declared_after_start_wait_in_the_journal_until_it_is_declared_again()
    {
        var late = new DevQueueOptions { Name = "late" };
        await using (var broker = await StartUndeclaredAsync())
        await using (var client = ClientOf(broker))
        {
            broker.DeclareQueue(late);
            await using var sender = client.CreateSender(late.Name);
            await sender.SendMessageAsync(new ServiceBusMessage("kept") { MessageId = "late-1" });
        }

        // A run that never declares the queue compacts the journal at start; the message must survive that.
        await (await StartUndeclaredAsync()).DisposeAsync();

        await using var restarted = await StartUndeclaredAsync();
        await using var restartedClient = ClientOf(restarted);
        restarted.DeclareQueue(late);
        await using var receiver = restartedClient.CreateReceiver(late.Name);
        Assert.Equal("late-1", (await receiver.ReceiveMessageAsync(Present))?.MessageId);
    }

    [Theory]
    [InlineData("cut short")]
    [InlineData("zeros")]
    public async Task A_torn_last_record_is_dropped_and_the_messages_before_it_are_kept(string tear)
    {
        await SendAsync(folder, "first", "second");
        var journal = Path.Combine(folder, JournalFileName);
        await using (var file = new FileStream(journal, FileMode.Append))
        {
            // A record header that promises 500 bytes followed by 20 of them, or a stretch of zeros.
            byte[] tail = tear == "zeros" ? new byte[64] : [.. BitConverter.GetBytes(500), .. BitConverter.GetBytes(0x1234u), .. new byte[20].Select(_ => (byte)7)];
            await file.WriteAsync(tail);
        }

        Assert.Equal(["first", "second"], await ReceiveAllAsync(folder));
        Assert.Empty(await ReceiveAllAsync(folder));
    }

    [Fact]
    public async Task A_damaged_record_before_the_last_stops_the_broker_with_the_file_and_offset_and_leaves_the_journal_as_it_was()
    {
        await SendAsync(folder, "first", "second");
        var journal = Path.Combine(folder, JournalFileName);
        var content = await File.ReadAllBytesAsync(journal);
        content[9] ^= 0xFF; // inside the first record, which has others after it
        await File.WriteAllBytesAsync(journal, content);

        var error = Assert.Throws<InvalidDataException>(() => new ServiceBusDevBroker(Options(folder)));

        Assert.Contains(journal, error.Message, StringComparison.Ordinal);
        Assert.Contains("offset", error.Message, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(journal));
    }

    [Fact]
    public async Task A_journal_grown_by_settled_messages_is_compacted_and_keeps_the_live_ones()
    {
        // 250 messages of 20 KB pass through, ten at a time: 5 MB appended, at most 200 KB of it live at once.
        var body = new BinaryData(new byte[20 * 1024]);
        await using (var broker = await StartAsync(folder))
        await using (var client = ClientOf(broker))
        {
            await using var sender = client.CreateSender(Queue);
            await using var receiver = client.CreateReceiver(Queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
            for (var batch = 0; batch < 25; batch++)
            {
                await sender.SendMessagesAsync(Enumerable.Range(0, 10).Select(i => new ServiceBusMessage(body) { MessageId = $"m-{batch}-{i}" }));
                var received = 0;
                while (received < 10)
                {
                    received += (await receiver.ReceiveMessagesAsync(10 - received, Present)).Count;
                }
            }

            await sender.SendMessageAsync(new ServiceBusMessage("last") { MessageId = "live" });
        }

        var length = new FileInfo(Path.Combine(folder, JournalFileName)).Length;
        Assert.True(length < 2 * 1024 * 1024, $"the journal is {length} bytes after 5 MB passed through");
        Assert.Equal(["live"], await ReceiveAllAsync(folder));
    }

    private static ServiceBusDevBrokerOptions Options(string location) => new()
    {
        Location = location,
        Queues = { new DevQueueOptions { Name = Queue, DuplicateDetectionWindow = TimeSpan.FromMinutes(10) } },
    };

    private async Task<ServiceBusDevBroker> StartUndeclaredAsync()
    {
        var broker = new ServiceBusDevBroker(new ServiceBusDevBrokerOptions { Location = folder });
        await broker.StartAsync();
        return broker;
    }

    private static async Task<ServiceBusDevBroker> StartAsync(string location)
    {
        var broker = new ServiceBusDevBroker(Options(location));
        await broker.StartAsync();
        return broker;
    }

    // Short tries so a broker bug fails the test in seconds instead of hanging in SDK retries.
    private static ServiceBusClient ClientOf(ServiceBusDevBroker broker) => new(broker.ConnectionString, new ServiceBusClientOptions
    {
        RetryOptions = new ServiceBusRetryOptions { Mode = ServiceBusRetryMode.Fixed, MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(200), TryTimeout = TimeSpan.FromSeconds(5) },
    });

    private static void Crash(string running, string copy)
    {
        Directory.CreateDirectory(copy);
        File.Copy(Path.Combine(running, JournalFileName), Path.Combine(copy, JournalFileName));
    }

    private static async Task<ServiceBusReceivedMessage> ReceiveAsync(ServiceBusReceiver receiver, string expectedId)
    {
        var received = await receiver.ReceiveMessageAsync(Present);
        Assert.Equal(expectedId, received?.MessageId);
        return received!;
    }

    private static async Task SendAsync(string location, params string[] messageIds)
    {
        await using var broker = await StartAsync(location);
        await using var client = ClientOf(broker);
        await using var sender = client.CreateSender(Queue);
        foreach (var id in messageIds)
        {
            await sender.SendMessageAsync(new ServiceBusMessage(id) { MessageId = id });
        }
    }

    // Starts a broker on the folder and takes every message out of the queue with receive-and-delete.
    private static async Task<List<string>> ReceiveAllAsync(string location)
    {
        await using var broker = await StartAsync(location);
        await using var client = ClientOf(broker);
        await using var receiver = client.CreateReceiver(Queue, new ServiceBusReceiverOptions { ReceiveMode = ServiceBusReceiveMode.ReceiveAndDelete });
        var ids = new List<string>();
        while (broker.GetQueueCounts(Queue).Active > 0)
        {
            ids.AddRange((await receiver.ReceiveMessagesAsync(100, Absent)).Select(message => message.MessageId));
        }

        return ids;
    }
}
