using System.Diagnostics.Metrics;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Tests.Telemetry;

/// <summary>
/// Records what the <see cref="PipelineMetrics"/> meter measures on this test's async flow only (other tests scan,
/// compile and deliver in parallel), with a real <see cref="MeterListener"/>.
/// </summary>
internal sealed class MetricRecorder : IDisposable
{
    private static readonly AsyncLocal<MetricRecorder?> Current = new();
    private readonly MeterListener listener = new();
    private readonly List<Measurement> measurements = [];

    public MetricRecorder()
    {
        Current.Value = this;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == PipelineMetrics.MeterName)
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Add(instrument, value, tags));
        listener.Start();
    }

    /// <summary>The measurements of one instrument, in order.</summary>
    public IReadOnlyList<Measurement> Of(string instrument)
    {
        lock (measurements)
        {
            return [.. measurements.Where(measurement => measurement.Instrument == instrument)];
        }
    }

    /// <summary>
    /// The measurements of one instrument once there are at least <paramref name="count"/>: a stage may record after the
    /// step a test waits for (the delivery stage counts a message after settling it).
    /// </summary>
    public async Task<IReadOnlyList<Measurement>> WaitForAsync(string instrument, int count, CancellationToken cancellationToken)
    {
        while (Of(instrument).Count < count)
        {
            await Task.Delay(20, cancellationToken);
        }

        return Of(instrument);
    }

    public void Dispose()
    {
        Current.Value = null;
        listener.Dispose();
    }

    private static void Add(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (Current.Value is not { } recorder)
        {
            return;
        }

        var copy = new Dictionary<string, object?>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            copy[tag.Key] = tag.Value;
        }

        lock (recorder.measurements)
        {
            recorder.measurements.Add(new Measurement(instrument.Name, value, copy));
        }
    }

    /// <summary>One measurement: the instrument's name, the value and the tags.</summary>
    public sealed record Measurement(string Instrument, double Value, IReadOnlyDictionary<string, object?> Tags);
}
