namespace Prefilter.Engine.PatternSets;

/// <summary>Values of <see cref="Rule.Target"/> for attachment rules.</summary>
public static class AttachmentTargets
{
    /// <summary>The attachment's file name (Content-Disposition filename, else Content-Type name).</summary>
    public const string FileName = "filename";

    /// <summary>The attachment's media type, e.g. <c>application/zip</c>.</summary>
    public const string ContentType = "contentType";
}
