using System.Text;
using Prefilter.Engine.Messages;

namespace Prefilter.Engine.Tests.Messages;

/// <summary>Builds raw mail bytes from readable test text.</summary>
internal static class Mail
{
    /// <summary>Each character one byte (Latin-1), so tests can write 8-bit junk as <c>\u00e9</c>.</summary>
    public static byte[] Bytes(string text) => Encoding.Latin1.GetBytes(text);

    public static MessageView Parse(string text, MessageLimits? limits = null) =>
        MessageView.Parse(Bytes(text), limits ?? MessageLimits.Default);
}
