namespace Prefilter.Engine.Scanning;

/// <summary>Which engine runs the patterns that are linear on both of .NET's engines. Hits are the same in every mode.</summary>
public enum ScanEngineMode
{
    /// <summary>
    /// Linear patterns of bounded width and bounded backtracking (<c>RegexPlan.BacktrackingWork</c>) run on the
    /// backtracking interpreter, which holds each in about a kilobyte; the rest on the linear engine. The default.
    /// </summary>
    Hybrid,

    /// <summary>Every linear pattern runs on the linear engine (<see cref="System.Text.RegularExpressions.RegexOptions.NonBacktracking"/>).</summary>
    LinearOnly,
}
