namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// The token answered, but holds no (or more than one) key matching a <c>pkcs11:</c> URI, or the key does not
/// belong to the certificate filed with it. A configuration problem; the message names the token and the URI.
/// </summary>
public sealed class Pkcs11KeyNotFoundException : Exception
{
    public Pkcs11KeyNotFoundException()
        : this("The PKCS#11 key was not found.")
    {
    }

    public Pkcs11KeyNotFoundException(string message)
        : base(message)
    {
    }

    public Pkcs11KeyNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
