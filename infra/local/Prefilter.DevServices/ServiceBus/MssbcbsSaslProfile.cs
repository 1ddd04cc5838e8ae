using Amqp;
using Amqp.Sasl;
using Amqp.Types;

namespace Prefilter.DevServices.ServiceBus;

/// <summary>
/// The SASL mechanism the SDK asks for (<c>MSSBCBS</c>: "authorize later over $cbs"). Any sasl-init is
/// accepted; the dev broker does not authenticate.
/// </summary>
internal sealed class MssbcbsSaslProfile : SaslProfile
{
    public static readonly Symbol Name = new("MSSBCBS");

    public MssbcbsSaslProfile()
        : base(Name)
    {
    }

    protected override ITransport UpgradeTransport(ITransport transport) => transport;

    protected override DescribedList GetStartCommand(string hostname) =>
        throw new NotSupportedException("The dev broker only accepts MSSBCBS; it never starts it.");

    protected override DescribedList OnCommand(DescribedList command) =>
        command is SaslInit
            ? new SaslOutcome { Code = SaslCode.Ok }
            : throw new AmqpException(ErrorCode.NotAllowed, $"Unexpected SASL frame {command}.");
}
