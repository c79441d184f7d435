using System.Security.Cryptography;
using Net.Pkcs11Interop.Common;

namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// An ECDSA private key (P-256, P-384, P-521) that stays in a PKCS#11 token: <see cref="SignHash(byte[])"/> runs
/// <c>C_Sign</c> with <c>CKM_ECDSA</c>, whose result is r‖s, the IEEE P1363 form .NET expects from
/// <see cref="ECDsa.SignHash(byte[])"/> (the base class turns it into DER when asked). Verification and
/// <see cref="ExportParameters(bool)"/> without the private part use the certificate's public key.
/// </summary>
public sealed class Pkcs11ECDsaKey : ECDsa
{
    private readonly Pkcs11Token _token;
    private readonly ECDsa _public;
    private readonly int _fieldBytes;

    /// <summary>Creates the key object; nothing is read from the token until it is used.</summary>
    /// <param name="token">The token holding the key.</param>
    /// <param name="uri">The key's URI.</param>
    /// <param name="publicKey">The matching public key (from the certificate), a named curve.</param>
    public Pkcs11ECDsaKey(Pkcs11Token token, Pkcs11Uri uri, ECParameters publicKey)
    {
        ArgumentNullException.ThrowIfNull(token);
        ArgumentNullException.ThrowIfNull(uri);
        _token = token;
        Uri = uri;
        _public = Create(new ECParameters { Curve = publicKey.Curve, Q = publicKey.Q });
        KeySizeValue = _public.KeySize;
        LegalKeySizesValue = [new KeySizes(KeySizeValue, KeySizeValue, 0)];
        _fieldBytes = (KeySizeValue + 7) / 8;
    }

    /// <summary>The key's URI.</summary>
    public Pkcs11Uri Uri { get; }

    /// <summary>The token holding the key.</summary>
    public Pkcs11Token Token => _token;

    /// <inheritdoc />
    /// <exception cref="Pkcs11UnavailableException">The token is unavailable (transient).</exception>
    public override byte[] SignHash(byte[] hash)
    {
        ArgumentNullException.ThrowIfNull(hash);
        byte[] signature = _token.Run("C_Sign CKM_ECDSA", (session, find) =>
            session.Sign(session.Factories.MechanismFactory.Create(CKM.CKM_ECDSA), find(session, Uri), hash));
        return signature.Length == 2 * _fieldBytes
            ? signature
            : throw new CryptographicException($"The PKCS#11 token '{_token.Name}' returned a {signature.Length}-byte ECDSA signature for {Uri}; r||s of a {KeySizeValue}-bit curve is {2 * _fieldBytes} bytes.");
    }

    /// <inheritdoc />
    public override bool VerifyHash(byte[] hash, byte[] signature) => _public.VerifyHash(hash, signature);

    /// <inheritdoc />
    public override ECParameters ExportParameters(bool includePrivateParameters) => includePrivateParameters
        ? throw new CryptographicException($"The private key {Uri} lives in PKCS#11 token '{_token.Name}' and cannot be exported.")
        : _public.ExportParameters(false);

    /// <inheritdoc />
    public override ECParameters ExportExplicitParameters(bool includePrivateParameters) => includePrivateParameters
        ? throw new CryptographicException($"The private key {Uri} lives in PKCS#11 token '{_token.Name}' and cannot be exported.")
        : _public.ExportExplicitParameters(false);

    /// <inheritdoc />
    public override void ImportParameters(ECParameters parameters) =>
        throw new NotSupportedException("A PKCS#11 key object cannot import other key material.");

    /// <inheritdoc />
    public override void GenerateKey(ECCurve curve) =>
        throw new NotSupportedException("A PKCS#11 key object cannot generate keys; generate them in the token.");

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _public.Dispose();
        }

        base.Dispose(disposing);
    }
}
