namespace SmimePipeline.Cli.Bench;

/// <summary>The measured <see cref="CryptoFloor"/> of one benchmarked message.</summary>
/// <param name="Microseconds">Cryptography per message, timed in the same process on the same core.</param>
/// <param name="ContentBytes">Bytes digested for the signature.</param>
/// <param name="PlaintextBytes">Bytes encrypted (the signed entity).</param>
/// <param name="KeyTransports">RSA key transports (the recipient, and the sender's own copy when it has one).</param>
internal sealed record CryptoFloorResult(double Microseconds, int ContentBytes, int PlaintextBytes, int KeyTransports);
