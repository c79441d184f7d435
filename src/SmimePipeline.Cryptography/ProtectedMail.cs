namespace SmimePipeline.Cryptography;

/// <summary>The result of the protect stage: bytes ready for the ESP and the envelope to send them with.</summary>
/// <param name="Content">The complete RFC 5322 message, signed and/or encrypted, CRLF line ends.</param>
/// <param name="EnvelopeFrom">The sender address (SMTP MAIL FROM).</param>
/// <param name="EnvelopeTo">Every recipient address: To, Cc and Bcc (Bcc is not in <paramref name="Content"/>'s headers).</param>
/// <param name="SignatureAlgorithm">E.g. <c>sha256WithRSAEncryption</c> or <c>ecdsa-with-SHA256</c>; <see langword="null"/> when unsigned.</param>
/// <param name="ContentCipher">E.g. <c>aes256-cbc</c>; <see langword="null"/> when not encrypted.</param>
public sealed record ProtectedMail(
    byte[] Content,
    string EnvelopeFrom,
    IReadOnlyList<string> EnvelopeTo,
    string? SignatureAlgorithm,
    string? ContentCipher);
