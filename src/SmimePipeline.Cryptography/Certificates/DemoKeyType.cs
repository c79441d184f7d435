namespace SmimePipeline.Cryptography.Certificates;

/// <summary>The key type of a demo or test certificate.</summary>
public enum DemoKeyType
{
    /// <summary>RSA with <see cref="DemoIdentityOptions.RsaKeySize"/> bits.</summary>
    Rsa,

    /// <summary>ECDSA on NIST P-256.</summary>
    EcdsaP256,

    /// <summary>ECDSA on NIST P-384.</summary>
    EcdsaP384,
}
