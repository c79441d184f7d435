namespace SmimePipeline.InteropTests;

/// <summary>What one engine made of one message: decrypted (or nothing to decrypt) and verified, with its own words on failure.</summary>
/// <param name="Decrypted">Decryption succeeded, or the message was signed only.</param>
/// <param name="Verified">The signature verified and chains to the trusted test CA.</param>
/// <param name="Detail">The engine's error text on failure (never message content).</param>
/// <param name="Content">The signed content as this engine decrypted it (the inner entity), when it verified a clear-signed or (OpenSSL) any mail.</param>
public sealed record EngineVerdict(bool Decrypted, bool Verified, string Detail, byte[]? Content = null)
{
    public bool Accepted => Decrypted && Verified;

    public string Cell => Accepted ? "reads" : Decrypted ? $"fails to verify ({Detail})" : $"fails to decrypt ({Detail})";
}
