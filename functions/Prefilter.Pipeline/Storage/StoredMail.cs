namespace Prefilter.Pipeline.Storage;

/// <summary>A mail read from the incoming container: its bytes, envelope and blob state.</summary>
/// <param name="Info">Name, ETag, metadata and outcome as read with the content.</param>
/// <param name="Content">The raw RFC 822 bytes.</param>
/// <param name="Envelope">The SMTP envelope stored with it.</param>
public sealed record StoredMail(MailBlobInfo Info, BinaryData Content, MailEnvelope Envelope);
