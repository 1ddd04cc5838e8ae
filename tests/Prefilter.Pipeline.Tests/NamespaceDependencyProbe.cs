// Two namespaces for NamespaceDependencyTests: Caller names Callee only inside a method body.
namespace Prefilter.Pipeline.Tests.Probe.Callee
{
    internal static class Target
    {
        internal static int Answer() => 42;
    }
}

namespace Prefilter.Pipeline.Tests.Probe.Caller
{
    internal static class Source
    {
        internal static int Call() => Callee.Target.Answer();
    }
}
