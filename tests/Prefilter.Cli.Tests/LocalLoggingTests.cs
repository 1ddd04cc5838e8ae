using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Prefilter.Cli.Local;

namespace Prefilter.Cli.Tests;

/// <summary>What <c>prefilter up</c> writes to its console: the pipeline's lines per mail, not the framework's per request.</summary>
public class LocalLoggingTests
{
    private static ILoggerFactory Factory(LogLevel level)
    {
        var services = new ServiceCollection().AddLogging(logging => LocalLogging.Configure(logging, level));
        return services.BuildServiceProvider().GetRequiredService<ILoggerFactory>();
    }

    [Fact]
    public void By_default_the_pipeline_logs_each_mail_and_the_framework_only_its_warnings()
    {
        using var factory = Factory(new LocalStackOptions().ConsoleLogLevel);

        Assert.True(factory.CreateLogger("Prefilter.Pipeline.Scanning.ScanStage").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("Prefilter.Pipeline.Delivery.DeliveryHandler").IsEnabled(LogLevel.Information));
        Assert.False(factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Information));
        Assert.True(factory.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Warning));
        Assert.False(factory.CreateLogger("System.Net.Http.HttpClient.Default").IsEnabled(LogLevel.Information));
        Assert.False(factory.CreateLogger("Azure.Core").IsEnabled(LogLevel.Warning));
        Assert.True(factory.CreateLogger("Azure.Core").IsEnabled(LogLevel.Error));
    }

    [Fact]
    public void A_higher_level_quiets_everyone_and_none_logs_nothing()
    {
        using var warnings = Factory(LogLevel.Warning);
        using var none = Factory(LogLevel.None);

        Assert.False(warnings.CreateLogger("Prefilter.Pipeline.Scanning.ScanStage").IsEnabled(LogLevel.Information));
        Assert.True(warnings.CreateLogger("Prefilter.Pipeline.Scanning.ScanStage").IsEnabled(LogLevel.Warning));
        Assert.False(none.CreateLogger("Prefilter.Pipeline.Scanning.ScanStage").IsEnabled(LogLevel.Critical));
    }

    [Fact]
    public void A_failure_is_one_line_with_its_reason_and_no_stack_trace_at_the_default_level()
    {
        var lines = Format(includeStackTraces: false);

        Assert.Equal(
            "fail: Prefilter.Pipeline.Delivery.DeliveryHandler[7] Delivering message m1 failed (InvalidOperationException: the downstream hung up <- IOException: connection reset)",
            Assert.Single(lines));
    }

    [Fact]
    public void At_debug_level_the_stack_trace_follows_the_entry_on_indented_lines()
    {
        var lines = Format(includeStackTraces: true);

        Assert.StartsWith("fail: Prefilter.Pipeline.Delivery.DeliveryHandler[7] Delivering message m1 failed (InvalidOperationException", lines[0]);
        Assert.Equal("    System.InvalidOperationException: the downstream hung up", lines[1]);
        Assert.Contains(lines, line => line.Contains("at Prefilter.Cli.Tests.LocalLoggingTests.Format", StringComparison.Ordinal));
        Assert.All(lines.Skip(1), line => Assert.StartsWith("    ", line));
    }

    [Theory]
    [InlineData(LogLevel.Information, false)]
    [InlineData(LogLevel.Debug, true)]
    public void Stack_traces_are_written_from_debug_level_down(LogLevel level, bool expected)
    {
        var services = new ServiceCollection().AddLogging(logging => LocalLogging.Configure(logging, level)).BuildServiceProvider();

        Assert.Equal(expected, services.GetRequiredService<IOptionsMonitor<LocalConsoleFormatterOptions>>().CurrentValue.IncludeStackTraces);
    }

    private static string[] Format(bool includeStackTraces)
    {
        Exception failure;
        try
        {
            throw new InvalidOperationException("the downstream hung up", new IOException("connection reset"));
        }
        catch (InvalidOperationException exception)
        {
            failure = exception;
        }

        var text = new StringWriter();
        var entry = new LogEntry<string>(LogLevel.Error, "Prefilter.Pipeline.Delivery.DeliveryHandler", new EventId(7), "Delivering message m1\nfailed", failure, (state, _) => state);
        new LocalConsoleFormatter(includeStackTraces).Write(entry, null, text);
        return text.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
    }
}
