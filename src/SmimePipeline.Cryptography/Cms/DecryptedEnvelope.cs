using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Cms;

/// <summary>The opened content of an encrypted mail (<see cref="EnvelopedContentDecryptor"/>).</summary>
/// <param name="Content">The decrypted content: the inner MIME entity. Never log it.</param>
/// <param name="Recipient">Our certificate the envelope was addressed to (owned by the identity source: do not dispose).</param>
/// <param name="ContentAlgorithm">The content-encryption algorithm's OID.</param>
public sealed record DecryptedEnvelope(byte[] Content, X509Certificate2 Recipient, string ContentAlgorithm);
