namespace Prefilter.Engine.Scanning;

/// <summary>What made a scan incomplete (<see cref="ScanResult.Incomplete"/>); a scan can have several.</summary>
[Flags]
public enum IncompleteCauses
{
    /// <summary>The scan is complete.</summary>
    None = 0,

    /// <summary>The mail could not be read as a message.</summary>
    Unreadable = 1,

    /// <summary>A message cap (size, parts, depth, headers) cut what rules saw.</summary>
    MessageCap = 2,

    /// <summary>The per-message deadline passed; later rules did not run (<see cref="ScanResult.DeadlineExceeded"/>).</summary>
    Deadline = 4,

    /// <summary>A backtracking regex ran out of its time.</summary>
    RegexTimeout = 8,

    /// <summary>A regex threw instead of answering.</summary>
    RegexFailed = 16,
}
