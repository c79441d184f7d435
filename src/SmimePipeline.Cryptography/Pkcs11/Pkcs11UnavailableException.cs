namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// A PKCS#11 module, token or session is not available right now (module missing or failing, token removed,
/// sessions closed, login lost). Transient: the mail that met it is retried, and the token is reconnected on the
/// next use. The message names the module and token and the PKCS#11 return code, never a PIN.
/// </summary>
public sealed class Pkcs11UnavailableException : Exception
{
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
}
