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
}
