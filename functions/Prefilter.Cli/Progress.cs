namespace Prefilter.Cli;

/// <summary>
/// A progress bar on stderr when it is a terminal; silent when redirected, so logs and pipes get plain output.
/// </summary>
internal sealed class Progress(string label, int total)
{
    private readonly bool enabled = !Console.IsErrorRedirected && total > 0;
    private int lastDrawn = -1;

    /// <summary>A progress callback for a run of several stages: one bar per stage, made when the stage first reports.</summary>
    public static Action<string, int, int> PerStage()
    {
        var bars = new Dictionary<string, Progress>();
        return (stage, done, total) => (bars.TryGetValue(stage, out var bar) ? bar : bars[stage] = new Progress(stage, total)).Report(done);
    }

    /// <summary>Reports that <paramref name="done"/> of the total items are finished.</summary>
    public void Report(int done)
    {
        if (!enabled)
        {
            return;
        }

        var percent = (int)(100L * done / total);
        if (percent == lastDrawn)
        {
            return;
        }

        lastDrawn = percent;
        const int width = 30;
        var filled = width * done / total;
        Console.Error.Write($"\r{label} [{new string('#', filled)}{new string('.', width - filled)}] {done}/{total}");
        if (done >= total)
        {
            Console.Error.WriteLine();
        }
    }
}
