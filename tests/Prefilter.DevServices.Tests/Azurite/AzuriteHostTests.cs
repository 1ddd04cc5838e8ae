using System.Diagnostics;
using System.Net.Sockets;
using Prefilter.DevServices.Azurite;

namespace Prefilter.DevServices.Tests.Azurite;

public sealed class AzuriteHostTests
{
    [Fact]
    public async Task Two_hosts_start_side_by_side_on_loopback_and_dispose_stops_each_process()
    {
        var first = await AzuriteHost.StartAsync();
        var second = await AzuriteHost.StartAsync();
        int firstPid = first.ProcessId;
        Uri firstBlob = first.BlobEndpoint;
        try
        {
            Assert.Equal("127.0.0.1", first.BlobEndpoint.Host);
            Assert.Equal("/devstoreaccount1", first.BlobEndpoint.AbsolutePath);
            Assert.Equal(3, new[] { first.BlobEndpoint.Port, first.QueueEndpoint.Port, first.TableEndpoint.Port }.Distinct().Count());
            Assert.NotEqual(first.BlobEndpoint.Port, second.BlobEndpoint.Port);
            Assert.Contains($"BlobEndpoint={first.BlobEndpoint};", first.ConnectionString);
            Assert.Contains($"AccountKey={AzuriteHost.AccountKey};", first.ConnectionString);

            using var http = new HttpClient();
            using var response = await http.GetAsync(new Uri(first.BlobEndpoint + "?comp=list"));
            Assert.StartsWith("Azurite-Blob", response.Headers.Server.ToString());
        }
        finally
        {
            await first.DisposeAsync();
            await second.DisposeAsync();
        }

        Assert.True(HasExited(firstPid));
        using var client = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => client.ConnectAsync(firstBlob.Host, firstBlob.Port));
    }

    [Fact]
    public async Task A_killed_Azurite_comes_back_on_its_ports_with_what_it_acknowledged_just_before()
    {
        var location = Path.Combine(Path.GetTempPath(), $"azurite-test-{Guid.NewGuid():N}");
        try
        {
            await using var host = await AzuriteHost.StartAsync(new AzuriteHostOptions { Location = location });
            var queue = new Azure.Storage.Queues.QueueClient(host.ConnectionString, "kept");
            await queue.CreateAsync();

            // Inside Azurite's 5 s save interval: only the save KillAsync asks for keeps it.
            await queue.SendMessageAsync("acknowledged");
            var killed = host.ProcessId;
            await host.KillAsync();
            await Assert.ThrowsAsync<SocketException>(async () =>
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync(host.QueueEndpoint.Host, host.QueueEndpoint.Port);
            });
            await host.RestartAsync();

            Assert.NotEqual(killed, host.ProcessId);
            var received = (await queue.ReceiveMessageAsync()).Value;
            Assert.Equal("acknowledged", received?.MessageText);
        }
        finally
        {
            Directory.Delete(location, recursive: true);
        }
    }

    [Fact]
    public async Task A_location_keeps_data_on_disk_across_restarts()
    {
        var location = Path.Combine(Path.GetTempPath(), $"azurite-test-{Guid.NewGuid():N}");
        try
        {
            await using (var host = await AzuriteHost.StartAsync(new AzuriteHostOptions { Location = location }))
            {
                Assert.True(Directory.Exists(location));
            }

            Assert.NotEmpty(Directory.EnumerateFileSystemEntries(location));
        }
        finally
        {
            Directory.Delete(location, recursive: true);
        }
    }

    [Fact]
    public async Task Azurite_stops_by_itself_when_its_owner_process_is_gone()
    {
        using var owner = Process.Start(new ProcessStartInfo("sleep", "120") { UseShellExecute = false })!;
        await using var host = await AzuriteHost.StartAsync(new AzuriteHostOptions { OwnerProcessId = owner.Id });
        Assert.False(HasExited(host.ProcessId));

        owner.Kill();
        await owner.WaitForExitAsync();

        // The bootstrap checks its owner every second; allow generously for a loaded machine.
        for (var wait = 0; wait < 600 && !HasExited(host.ProcessId); wait++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(100));
        }

        Assert.True(HasExited(host.ProcessId));
    }

    private static bool HasExited(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return process.HasExited;
        }
        catch (ArgumentException)
        {
            return true;
        }
    }
}
