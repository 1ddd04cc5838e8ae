using Prefilter.Engine.PatternSets;
using Prefilter.Pipeline.Domains;
using Prefilter.Pipeline.Messaging;
using Prefilter.Pipeline.Storage;

namespace Prefilter.Pipeline.Delivery;

/// <summary>One copy of a mail to send: a downstream, the verdict action its copy is stamped with, its recipients.</summary>
/// <param name="Downstream">The downstream.</param>
/// <param name="Action">The verdict action of the copy.</param>
/// <param name="Recipients">The envelope recipients this copy goes to.</param>
internal sealed record PlannedRelay(Downstream Downstream, VerdictAction Action, List<string> Recipients)
{
    /// <summary>
    /// One relay per (downstream, action): recipients whose domains give the mail different actions get copies stamped
    /// differently. Recipients whose domain quarantines the mail are not relayed at all.
    /// </summary>
    /// <param name="claim">The claim check, with the verdict per recipient domain.</param>
    /// <param name="policy">The domain policy the routes come from.</param>
    /// <param name="plan">The envelope recipients routed to their downstreams.</param>
    /// <param name="quarantined">The recipients left out because their domain quarantines the mail.</param>
    public static List<PlannedRelay> Plan(ClaimCheck claim, DomainPolicy policy, RoutingPlan plan, out List<string> quarantined)
    {
        var relays = new List<PlannedRelay>();
        quarantined = [];
        foreach (var route in plan.Routes)
        {
            foreach (var recipient in route.Recipients)
            {
                var action = ActionFor(claim, policy, recipient);
                if (action == VerdictAction.Quarantine)
                {
                    quarantined.Add(recipient);
                    continue;
                }

                var relay = relays.Find(r => r.Downstream == route.Downstream && r.Action == action);
                if (relay is null)
                {
                    relay = new PlannedRelay(route.Downstream, action, []);
                    relays.Add(relay);
                }

                relay.Recipients.Add(recipient);
            }
        }

        return relays;
    }

    // The scan stage keys DomainVerdicts by recipient domain; a subdomain served through its parent may be keyed
    // either way, and a domain without an entry takes the mail's overall action.
    private static VerdictAction ActionFor(ClaimCheck claim, DomainPolicy policy, string recipient)
    {
        var domain = MailEnvelope.DomainOf(recipient);
        if (claim.DomainVerdicts.TryGetValue(domain, out var action))
        {
            return action;
        }

        return policy.Find(domain) is { } served && claim.DomainVerdicts.TryGetValue(served.Domain, out action)
            ? action
            : claim.Verdict.Action;
    }
}
