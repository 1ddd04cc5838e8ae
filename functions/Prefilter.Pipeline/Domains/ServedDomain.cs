using Prefilter.Engine.PatternSets;

namespace Prefilter.Pipeline.Domains;

/// <summary>A recipient domain the pre-filter accepts mail for, and where that mail goes.</summary>
/// <param name="Domain">Lowercase ASCII (<c>xn--</c>) domain name.</param>
/// <param name="Downstream">The domain's downstream MTA.</param>
/// <param name="Thresholds">Score thresholds for this domain's recipients; null uses the pattern set's.</param>
/// <param name="IncludeSubdomains">True when every subdomain is served too.</param>
public sealed record ServedDomain(string Domain, Downstream Downstream, Thresholds? Thresholds, bool IncludeSubdomains);
