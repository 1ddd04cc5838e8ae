using System.Text.RegularExpressions;
using Prefilter.Engine.PatternSets;

namespace Prefilter.Engine.Checks;

/// <summary>One of the sender's addresses is at a free-mail provider (SpamAssassin's FreeMail <c>check_freemail_from</c>).</summary>
internal sealed class FreemailFromCheck : BuiltInCheck
{
    public override bool Hits(MessageAnalysis message) =>
        message.Freemail.Any && message.AllFromAddresses.Any(message.Freemail.Contains);
}

/// <summary>
/// An address in a header is at a free-mail provider, and matches a pattern when one is given (SpamAssassin's FreeMail
/// <c>check_freemail_header</c>).
/// </summary>
internal sealed class FreemailHeaderCheck(IReadOnlyList<CheckArgument> args) : BuiltInCheck
{
    private readonly string header = args[0].Text!;
    private readonly Regex? pattern = args.Count > 1
        ? new Regex(args[1].Text!, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)
        : null;

    public override bool Hits(MessageAnalysis message) =>
        message.Freemail.Any
        && message.AddressesOf(this.header).Select(address => address.ToLowerInvariant())
            .Any(address => message.Freemail.Contains(address) && (this.pattern?.IsMatch(address) ?? true));
}
