namespace SmimePipeline.Messaging.ProducerClaims;

/// <summary>A producer claim as a store found it.</summary>
/// <param name="Length">The stored content's length in bytes, read before the content.</param>
/// <param name="Sha256">The SHA-256 the producer stored with it (32 bytes).</param>
/// <param name="Content">The content; <see langword="null"/> when it is above the limit the caller gave, and was not read.</param>
/// <param name="Consumed">When a signer marked it consumed (its mail was protected and handed on), else <see langword="null"/>.</param>
public sealed record StoredProtectClaim(long Length, byte[] Sha256, byte[]? Content, DateTimeOffset? Consumed);
