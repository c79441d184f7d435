using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Net.Pkcs11Interop.Common;

namespace SmimePipeline.Cryptography.Pkcs11;

/// <summary>
/// Opens signer keys named by <c>pkcs11:</c> URIs: one <see cref="Pkcs11Token"/> (session pool, login) per module
/// and token, shared by all keys in it. The PIN comes from the URI's <c>pin-source</c>, else
/// <see cref="Pkcs11Options.PinFile"/>, else <c>$SMIME_PKCS11_PIN</c>, else the <c>pin</c> callback. Thread-safe.
/// </summary>
public sealed class Pkcs11KeyProvider : IDisposable
{
    /// <summary>The environment variable holding the PIN when no file names it.</summary>
    public const string PinVariable = "SMIME_PKCS11_PIN";

    private readonly Pkcs11Options _options;
    private readonly Func<Pkcs11Uri, byte[]>? _pin;
    private readonly ConcurrentDictionary<string, Pkcs11Token> _tokens = new(StringComparer.Ordinal);

    /// <summary>Creates the provider; no module is loaded until a key is opened.</summary>
    /// <param name="options">Module path, PIN file, pool size.</param>
    /// <param name="pin">Asked for the PIN when neither a file nor <c>$SMIME_PKCS11_PIN</c> gives it (the CLI's prompt); optional.</param>
    public Pkcs11KeyProvider(Pkcs11Options options, Func<Pkcs11Uri, byte[]>? pin = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _pin = pin;
    }

    /// <summary>The tokens opened so far (for readiness).</summary>
    public IReadOnlyCollection<Pkcs11Token> Tokens => [.. _tokens.Values];

    /// <summary>The token of <paramref name="uri"/>, created on first use.</summary>
    /// <param name="uri">A key URI.</param>
    /// <returns>The shared token.</returns>
    /// <exception cref="Pkcs11UnavailableException">No module is named (neither <c>module-path</c> nor <see cref="Pkcs11Options.ModulePath"/>) or it cannot be loaded.</exception>
    public Pkcs11Token GetToken(Pkcs11Uri uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        string module = uri.ModulePath ?? (_options.ModulePath.Length > 0 ? _options.ModulePath
            : throw new Pkcs11UnavailableException($"The key {uri} names no PKCS#11 module: add module-path to the URI, --module (import-signer, bench) or --pkcs11-module (protect), or set {Pkcs11Options.SectionName}:ModulePath."));
        string key = string.Join('|', Path.GetFullPath(module), uri.Token, uri.Serial, uri.Manufacturer, uri.Model, uri.SlotId);
        return _tokens.GetOrAdd(key, _ => new Pkcs11Token(Pkcs11Module.Load(module), uri, () => ReadPin(uri), _options.MaxSessions)
        {
            SessionWaitTimeout = _options.SessionWaitTimeout,
        });
    }

    /// <summary>
    /// The private key of <paramref name="uri"/> as an <see cref="RSA"/> or <see cref="ECDsa"/> whose private
    /// operations run in the token, after proving with one signature that it belongs to <paramref name="certificate"/>.
    /// </summary>
    /// <param name="uri">The key.</param>
    /// <param name="certificate">Its certificate (public key RSA or EC).</param>
    /// <returns>A <see cref="Pkcs11RsaKey"/> or <see cref="Pkcs11ECDsaKey"/>.</returns>
    /// <exception cref="Pkcs11UnavailableException">The module, token or login is unavailable.</exception>
    /// <exception cref="Pkcs11KeyNotFoundException">No single key matches, or it does not belong to the certificate.</exception>
    public AsymmetricAlgorithm OpenKey(Pkcs11Uri uri, X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        var token = GetToken(uri);
        using var rsaPublic = certificate.GetRSAPublicKey();
        if (rsaPublic is not null)
        {
            var key = new Pkcs11RsaKey(token, uri, rsaPublic.ExportParameters(false));
            Prove(key, () =>
            {
                byte[] hash = RandomNumberGenerator.GetBytes(32);
                return rsaPublic.VerifyHash(hash, key.SignHash(hash, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
            }, uri, certificate);
            return key;
        }

        using var ecPublic = certificate.GetECDsaPublicKey()
            ?? throw new Pkcs11KeyNotFoundException($"The certificate {certificate.Subject} ({certificate.Thumbprint}) has neither an RSA nor an EC public key; a PKCS#11 signer key must be RSA or ECDSA.");
        var ec = new Pkcs11ECDsaKey(token, uri, ecPublic.ExportParameters(false));
        Prove(ec, () =>
        {
            byte[] hash = RandomNumberGenerator.GetBytes(32);
            return ecPublic.VerifyHash(hash, ec.SignHash(hash));
        }, uri, certificate);
        return ec;
    }

    /// <summary>The certificate the token stores under the key's id/label, or <see langword="null"/>.</summary>
    /// <param name="uri">The key.</param>
    /// <returns>The certificate, or <see langword="null"/>.</returns>
    /// <exception cref="Pkcs11UnavailableException">The token is unavailable.</exception>
    public X509Certificate2? ReadCertificate(Pkcs11Uri uri)
    {
        byte[]? der = GetToken(uri).Run("C_FindObjects", (session, _) => Pkcs11Objects.FindCertificate(session, uri));
        return der is null ? null : X509CertificateLoader.LoadCertificate(der);
    }

    /// <summary>The key's <c>CKA_SENSITIVE</c>, <c>CKA_EXTRACTABLE</c> and <c>CKA_NEVER_EXTRACTABLE</c>.</summary>
    /// <param name="uri">The key.</param>
    /// <returns>The attributes.</returns>
    /// <exception cref="Pkcs11UnavailableException">The token is unavailable.</exception>
    /// <exception cref="Pkcs11KeyNotFoundException">No single key matches.</exception>
    public Pkcs11KeyProtection ReadProtection(Pkcs11Uri uri) => GetToken(uri).Run("C_GetAttributeValue", (session, find) =>
    {
        var flags = Pkcs11Objects.ReadFlags(session, find(session, uri), CKA.CKA_SENSITIVE, CKA.CKA_EXTRACTABLE, CKA.CKA_NEVER_EXTRACTABLE);
        return new Pkcs11KeyProtection(flags[CKA.CKA_SENSITIVE], flags[CKA.CKA_EXTRACTABLE], flags[CKA.CKA_NEVER_EXTRACTABLE]);
    });

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var token in _tokens.Values)
        {
            token.Dispose();
        }

        _tokens.Clear();
    }

    private static void Prove(AsymmetricAlgorithm key, Func<bool> signAndVerify, Pkcs11Uri uri, X509Certificate2 certificate)
    {
        bool matches;
        try
        {
            matches = signAndVerify();
        }
        catch
        {
            key.Dispose();
            throw;
        }

        if (!matches)
        {
            key.Dispose();
            throw new Pkcs11KeyNotFoundException($"The PKCS#11 key {uri} does not belong to certificate {certificate.Subject} ({certificate.Thumbprint}).");
        }
    }

    private byte[] ReadPin(Pkcs11Uri uri)
    {
        string? file = uri.PinSource ?? (_options.PinFile.Length > 0 ? _options.PinFile : null);
        if (file is not null)
        {
            byte[] bytes = File.ReadAllBytes(file);
            int length = bytes.Length;
            while (length > 0 && bytes[length - 1] is (byte)'\n' or (byte)'\r')
            {
                length--;
            }

            byte[] pin = bytes[..length];
            CryptographicOperations.ZeroMemory(bytes);
            return pin;
        }

        if (Environment.GetEnvironmentVariable(PinVariable) is { Length: > 0 } variable)
        {
            return Encoding.UTF8.GetBytes(variable);
        }

        return _pin?.Invoke(uri)
            ?? throw new InvalidOperationException($"No PIN for the PKCS#11 token of {uri}: set {Pkcs11Options.SectionName}:PinFile, pin-source in the URI, or ${PinVariable}.");
    }
}
