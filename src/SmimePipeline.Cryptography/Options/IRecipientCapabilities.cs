using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Options;

/// <summary>
/// What a recipient is known to decrypt, from the SMIMECapabilities recorded with its certificate
/// (RFC 8551 §2.7.1). The recipient directory implements it; <see cref="UnknownRecipientCapabilities"/>
/// knows nothing, so AES-CBC is chosen.
/// </summary>
public interface IRecipientCapabilities
{
    /// <summary>
    /// <see langword="true"/> only when <paramref name="address"/> is known to read AES-GCM AuthEnvelopedData
    /// (RFC 5083) with <paramref name="certificate"/>; <see langword="false"/> when it cannot or nobody knows.
    /// </summary>
    /// <param name="address">The recipient address.</param>
    /// <param name="certificate">The certificate the mail is encrypted to.</param>
    /// <returns>Whether GCM is safe for this recipient.</returns>
    bool CanReadAuthEnveloped(string address, X509Certificate2 certificate);

    /// <summary>
    /// The content ciphers <paramref name="address"/> advertised for <paramref name="certificate"/> (its
    /// SMIMECapabilities, RFC 8551 §2.5.2), of those the engine can write; an empty set when it advertised none of
    /// them; <see langword="null"/> (the default) when nothing is known. <see cref="ContentCipher.Auto"/> never
    /// chooses a cipher outside a known set.
    /// </summary>
    /// <param name="address">The recipient address.</param>
    /// <param name="certificate">The certificate the mail is encrypted to.</param>
    /// <returns>The advertised ciphers, or <see langword="null"/> when unknown.</returns>
    IReadOnlySet<ContentCipher>? AdvertisedCiphers(string address, X509Certificate2 certificate) => null;
}
