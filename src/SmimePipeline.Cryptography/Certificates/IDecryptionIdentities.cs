using System.Security.Cryptography.X509Certificates;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Our identities whose private keys may open mail encrypted to their certificates (replies to our signers).
/// Implementations are thread-safe; only the signer role, which holds the keys, has one.
/// </summary>
public interface IDecryptionIdentities
{
    /// <summary>
    /// The identity whose certificate satisfies <paramref name="isAddressed"/>, with its private key usable
    /// (a key file, a mounted Secret or a PKCS#11 token), or <see langword="null"/> when none does.
    /// The caller must not dispose it: the source owns it.
    /// </summary>
    /// <param name="isAddressed">Whether a certificate is the one a RecipientInfo names.</param>
    /// <returns>The identity, or <see langword="null"/>.</returns>
    /// <exception cref="InvalidDataException">The identity's key file cannot be read; the message names it.</exception>
    SignerIdentity? FindByCertificate(Func<X509Certificate2, bool> isAddressed);
}
