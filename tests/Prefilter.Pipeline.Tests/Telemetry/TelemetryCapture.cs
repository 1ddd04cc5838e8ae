using System.Collections;
using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Prefilter.Pipeline.Telemetry;

namespace Prefilter.Pipeline.Tests.Telemetry;

/// <summary>
/// The pipeline's spans and metrics as an OpenTelemetry SDK exports them, with the in-memory exporter: what an
/// Application Insights or OTLP exporter would receive. Other tests run in parallel, so callers pick their own
/// mail's trace and their own tag values out of what is captured.
/// </summary>
internal sealed class TelemetryCapture : IDisposable
{
    private readonly LockedCollection<Activity> spans = new();
    private readonly LockedCollection<MetricSnapshot> metrics = new();
    private readonly TracerProvider tracerProvider;
    private readonly MeterProvider meterProvider;

    public TelemetryCapture()
    {
        tracerProvider = Sdk.CreateTracerProviderBuilder().AddSource(PipelineActivities.SourceName).AddInMemoryExporter(spans).Build();
        meterProvider = Sdk.CreateMeterProviderBuilder().AddMeter(PipelineMetrics.MeterName).AddInMemoryExporter(metrics).Build();
    }

    /// <summary>The ended spans of one trace.</summary>
    public IReadOnlyList<Activity> Trace(ActivityTraceId traceId) => [.. spans.Snapshot().Where(span => span.TraceId == traceId)];

    /// <summary>Waits until the trace holds a span named <paramref name="name"/> (a stage ends its span after the step a test waits for).</summary>
    public async Task<IReadOnlyList<Activity>> WaitForSpanAsync(ActivityTraceId traceId, string name, CancellationToken cancellationToken)
    {
        while (!Trace(traceId).Any(span => span.DisplayName == name))
        {
            await Task.Delay(20, cancellationToken);
        }

        return Trace(traceId);
    }

    /// <summary>Collects now and returns the named metric as exported (cumulative), or null when nothing was measured on it.</summary>
    public MetricSnapshot? Metric(string name)
    {
        metrics.Clear();
        meterProvider.ForceFlush();
        return metrics.Snapshot().LastOrDefault(metric => metric.Name == name);
    }

    /// <summary>The named metric's points, each as its tags and value (a sum, a gauge's last value, or a histogram's count).</summary>
    public IReadOnlyList<(IReadOnlyDictionary<string, object?> Tags, double Value)> Points(string name)
    {
        var metric = Metric(name);
        if (metric is null)
        {
            return [];
        }

        var points = new List<(IReadOnlyDictionary<string, object?>, double)>();
        foreach (var point in metric.MetricPoints)
        {
            var tags = new Dictionary<string, object?>(StringComparer.Ordinal);
            foreach (var tag in point.Tags)
            {
                tags[tag.Key] = tag.Value;
            }

            double value = metric.MetricType switch
            {
                MetricType.LongSum => point.GetSumLong(),
                MetricType.DoubleSum => point.GetSumDouble(),
                MetricType.LongGauge => point.GetGaugeLastValueLong(),
                MetricType.DoubleGauge => point.GetGaugeLastValueDouble(),
                MetricType.Histogram => point.GetHistogramCount(),
                _ => throw new InvalidOperationException($"{name} is a {metric.MetricType}, which this capture does not read"),
            };
            points.Add((tags, value));
        }

        return points;
    }

    public void Dispose()
    {
        tracerProvider.Dispose();
        meterProvider.Dispose();
    }

    // The exporters add from whatever thread ends a span or collects; a List alone is not safe for that.
    private sealed class LockedCollection<T> : ICollection<T>
    {
        private readonly List<T> items = [];

        public int Count
        {
            get
            {
                lock (items)
                {
                    return items.Count;
                }
            }
        }

        public bool IsReadOnly => false;

        public List<T> Snapshot()
        {
            lock (items)
            {
                return [.. items];
            }
        }

        public void Add(T item)
        {
            lock (items)
            {
                items.Add(item);
            }
        }

        public void Clear()
        {
            lock (items)
            {
                items.Clear();
            }
        }

        public bool Contains(T item)
        {
            lock (items)
            {
                return items.Contains(item);
            }
        }

        public void CopyTo(T[] array, int arrayIndex)
        {
            lock (items)
            {
                items.CopyTo(array, arrayIndex);
            }
        }

        public bool Remove(T item)
        {
            lock (items)
            {
                return items.Remove(item);
            }
        }

        public IEnumerator<T> GetEnumerator() => Snapshot().GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
