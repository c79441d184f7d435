using SmimePipeline.Contracts;

namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// A PKCS#11 module, token or session is not available right now (module missing or failing, token removed,
/// sessions closed, login lost). Transient: the mail that met it is retried, and the token is reconnected on the
/// next use. The message names the module and token and the PKCS#11 return code, never a PIN. A mail that still meets
/// it when its retry is over is dead-lettered as <see cref="KeyUnavailable"/> with that message as the reason.
/// </summary>
public sealed class Pkcs11UnavailableException : Exception, IHasReasonCode
{
    /// <summary>The reason code of a mail whose signing (or decryption) key stayed unavailable: <c>signer-key-unavailable</c>.</summary>
    public const string KeyUnavailable = "signer-key-unavailable";

    public Pkcs11UnavailableException()
        : this("The PKCS#11 token is unavailable.")
    {
    }

    public Pkcs11UnavailableException(string message)
        : base(message)
    {
    }

    public Pkcs11UnavailableException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <inheritdoc />
    public string ReasonCode => KeyUnavailable;

    /// <summary>Always false: the token may come back, so the mail is retried first.</summary>
    public bool IsPermanent => false;
}
