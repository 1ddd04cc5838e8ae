using Amqp;
using Amqp.Framing;
using Amqp.Listener;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>The <c>$cbs</c> node: every put-token is accepted (the dev broker does not check tokens).</summary>
internal sealed class CbsRequestProcessor : IRequestProcessor
{
    public int Credit => 100;

    public void Process(RequestContext requestContext)
    {
        if (requestContext.ResponseLink is null)
        {
            return;
        }

        var response = new Message
        {
            ApplicationProperties = new ApplicationProperties
            {
                ["status-code"] = 200,
                ["status-description"] = "OK",
            },
        };
        requestContext.Complete(response);
    }
}
