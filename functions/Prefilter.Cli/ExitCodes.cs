namespace Prefilter.Cli;

/// <summary>Process exit codes of <c>prefilter</c>; the README's table lists the same.</summary>
internal static class ExitCodes
{
    /// <summary>The command did what was asked.</summary>
    public const int Success = 0;

    /// <summary>The input was understood and refused: a lint finding, a gate over budget, a rejected publish.</summary>
    public const int Refused = 1;

    /// <summary>The command line could not be parsed.</summary>
    public const int Usage = 2;

    /// <summary>An input file or folder is missing or unreadable, or is not a pattern set.</summary>
    public const int InputError = 3;

    /// <summary>A service the command needs (storage, Service Bus, the HTTP API) failed or could not be reached.</summary>
    public const int ServiceError = 4;

    /// <summary>A publish was accepted but its gate run failed (the release's status says why); nothing was released.</summary>
    public const int ReleaseFailed = 5;
}
