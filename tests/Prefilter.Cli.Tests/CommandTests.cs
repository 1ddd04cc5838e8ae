using System.CommandLine;
using Prefilter.Cli.Commands;

namespace Prefilter.Cli.Tests;

/// <summary>The operator commands against the running local stack, given its address explicitly (never the up.json of a real run).</summary>
[Collection(LocalStackCollection.Name)]
public sealed class CommandTests(LocalStackFixture fixture) : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("prefilter-cli-tests-").FullName;

    [Fact]
    public async Task Submit_feeds_every_file_of_a_folder_through_the_SMTP_ingress()
    {
        var before = await fixture.WaitForCountsAsync(counts => counts.InFlight == 0);
        File.WriteAllBytes(Path.Combine(folder, "a.eml"), LocalStackFixture.Ham().Raw);
        File.WriteAllBytes(Path.Combine(folder, "b.eml"), LocalStackFixture.Spam().Raw);
        File.WriteAllText(Path.Combine(folder, "b.json"), "{}");

        var exit = await RunAsync(SubmitCommand.Create(), folder, "--smtp", $"127.0.0.1:{fixture.Stack.SmtpIngress.Port}", "--to", "user@example.org");

        Assert.Equal(ExitCodes.Success, exit);
        var after = await fixture.WaitForCountsAsync(counts => counts.Received >= before.Received + 2 && counts.InFlight == 0);
        Assert.Equal(before.Received + 2, after.Received);
        Assert.Equal(before.Delivered + 1, after.Delivered);
        Assert.Equal(before.Quarantined + 1, after.Quarantined);
    }

    [Fact]
    public async Task Submit_reports_a_refused_recipient_with_its_own_exit_code()
    {
        File.WriteAllBytes(Path.Combine(folder, "a.eml"), LocalStackFixture.Ham().Raw);
        var exit = await RunAsync(SubmitCommand.Create(), folder, "--smtp", $"127.0.0.1:{fixture.Stack.SmtpIngress.Port}", "--to", "user@unserved.example");
        Assert.Equal(ExitCodes.Refused, exit);
    }

    [Fact]
    public async Task Submit_reconnects_when_the_ingress_closes_the_connection_and_counts_every_mail()
    {
        // Each mail has a recipient the ingress refuses: after its error limit it says 421 and closes the connection,
        // and the rest of the mails must go over a new one.
        var limit = new Prefilter.Pipeline.Smtp.SmtpIngressOptions().MaxErrors;
        for (var i = 0; i < limit + 5; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"m{i:D2}.eml"), LocalStackFixture.Ham().Raw);
        }

        var exit = await RunAsync(SubmitCommand.Create(), folder, "--smtp", $"127.0.0.1:{fixture.Stack.SmtpIngress.Port}", "--to", "user@unserved.example", "--connections", "1");

        Assert.Equal(ExitCodes.Refused, exit);
    }

    [Fact]
    public async Task Submit_over_several_connections_delivers_every_file_once()
    {
        var before = await fixture.WaitForCountsAsync(counts => counts.InFlight == 0);
        for (var i = 0; i < 12; i++)
        {
            File.WriteAllBytes(Path.Combine(folder, $"m{i:D2}.eml"), LocalStackFixture.Ham().Raw);
        }

        var exit = await RunAsync(SubmitCommand.Create(), folder, "--smtp", $"127.0.0.1:{fixture.Stack.SmtpIngress.Port}", "--to", "user@example.org", "--connections", "4");

        Assert.Equal(ExitCodes.Success, exit);
        var after = await fixture.WaitForCountsAsync(counts => counts.Received >= before.Received + 12 && counts.InFlight == 0);
        Assert.Equal(before.Received + 12, after.Received);
        Assert.Equal(before.Delivered + 12, after.Delivered);
    }

    [Fact]
    public async Task Publish_status_and_rollback_map_API_answers_to_exit_codes()
    {
        var malformed = Path.Combine(folder, "broken.json");
        File.WriteAllText(malformed, "{ \"name\": ");
        Assert.Equal(ExitCodes.InputError, await RunApiAsync(PublishCommand.Create(), malformed));
        var refused = Path.Combine(folder, "refused.json");
        File.WriteAllText(refused, Local.LocalPatternSet.Load(null).Json.Replace("\"local-default-1\"", $"\"cli-refused-{Guid.NewGuid():N}\"", StringComparison.Ordinal));
        Assert.Equal(ExitCodes.Refused, await RunApiAsync(PublishCommand.Create(), refused));
        Assert.Equal(ExitCodes.Usage, await RunApiAsync(PublishCommand.Create(), refused, "--force"));
        Assert.Equal(ExitCodes.Success, await RunApiAsync(StatusCommand.Create()));
        Assert.Equal(ExitCodes.InputError, await RunApiAsync(RollbackCommand.Create(), "--to", "no-such-version"));
        Assert.Equal(ExitCodes.Success, await RunApiAsync(WatchdogCommand.Create()));
        Assert.Equal(ExitCodes.ServiceError, await RunAsync(StatusCommand.Create(), "--api", fixture.Stack.ApiUrl.ToString(), "--key", "wrong"));
    }

    [Fact]
    public async Task Publishing_while_a_canary_runs_gets_409_and_leaves_the_canary_alone()
    {
        var (defaultSet, _) = Local.LocalPatternSet.Load(null);
        string Variant(string version) => defaultSet.Replace("\"local-default-1\"", $"\"{version}\"", StringComparison.Ordinal)
            .Replace("\"score\": 2 }", "\"score\": 3 }", StringComparison.Ordinal);
        var first = Path.Combine(folder, "first.json");
        var second = Path.Combine(folder, "second.json");
        File.WriteAllText(first, Variant($"first-{Guid.NewGuid():N}"));
        File.WriteAllText(second, Variant($"second-{Guid.NewGuid():N}"));

        Assert.Equal(ExitCodes.Success, await RunApiAsync(PublishCommand.Create(), first, "--force", "--reason", "command test"));
        try
        {
            Assert.Equal(ExitCodes.Refused, await RunApiAsync(PublishCommand.Create(), second, "--force", "--reason", "command test"));
        }
        finally
        {
            Assert.Equal(ExitCodes.Success, await RunApiAsync(RollbackCommand.Create(), "--to", "local-default-1", "--reason", "command test"));
        }
    }

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private Task<int> RunApiAsync(Command command, params string[] args) =>
        RunAsync(command, [.. args, "--api", fixture.Stack.ApiUrl.ToString(), "--key", fixture.Stack.ApiKey]);

    private static async Task<int> RunAsync(Command command, params string[] args)
    {
        var root = new RootCommand { command };
        var parse = root.Parse([command.Name, .. args]);
        Assert.Empty(parse.Errors);
        return await parse.InvokeAsync();
    }
}
