namespace Prefilter.Pipeline.Domains;

/// <summary>One relay of a mail: a downstream and the envelope recipients it receives.</summary>
/// <param name="Downstream">Where to relay.</param>
/// <param name="Recipients">The recipients of the domains served by that downstream, in envelope order.</param>
/// <param name="Domains">The served domains the recipients belong to.</param>
public sealed record DomainRoute(Downstream Downstream, IReadOnlyList<string> Recipients, IReadOnlyList<ServedDomain> Domains);

/// <summary>How a mail's recipients split over downstreams.</summary>
/// <param name="Routes">One entry per distinct downstream, in order of first recipient.</param>
/// <param name="Unserved">Recipients whose domain is not (or no longer) served; never relayed.</param>
public sealed record RoutingPlan(IReadOnlyList<DomainRoute> Routes, IReadOnlyList<string> Unserved);
