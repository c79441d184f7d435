using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Cms;

namespace SmimePipeline.Cli.Bench;

/// <summary>
/// The cryptography of one message of a <see cref="CryptoFloor.Shape"/>, with key handles and buffers of its own, so that
/// each thread of a multi-threaded floor runs on its own objects (<see cref="CryptoFloor"/> says what one message is).
/// </summary>
internal sealed class CryptoFloorWorker : IDisposable
{
    private readonly CryptoFloor.Shape _shape;
    private readonly ContentEncryptionAlgorithm _algorithm;
    private readonly RSA? _rsaSigner;
    private readonly ECDsa? _ecSigner;
    private readonly RSA _recipient;
    private readonly byte[] _content;
    private readonly byte[] _ciphertext;
    private readonly byte[] _key;
    private readonly byte[] _iv;
    private readonly byte[] _tag;
    private readonly byte[] _digest = new byte[SHA256.HashSizeInBytes];
    private readonly byte[] _signature = new byte[1024];
    private readonly byte[] _encryptedKey = new byte[1024];

    /// <exception cref="InvalidOperationException">The bench signer has no RSA or ECDSA key, or the recipient no RSA key.</exception>
    public CryptoFloorWorker(BenchCertificateStore store, CryptoFloor.Shape shape, string cipher)
    {
        _shape = shape;
        _algorithm = ContentEncryptionAlgorithm.From(ProtectBenchRunner.ResolveCipher(cipher));
        _rsaSigner = store.SignerCertificate.GetRSAPrivateKey();
        _ecSigner = _rsaSigner is null ? store.SignerCertificate.GetECDsaPrivateKey() : null;
        _recipient = store.Recipient.GetRSAPublicKey() ?? throw new InvalidOperationException("The bench recipient has no RSA key.");
        if (_rsaSigner is null && _ecSigner is null)
        {
            _recipient.Dispose();
            throw new InvalidOperationException("The bench signer has neither an RSA nor an ECDSA key.");
        }

        // Random bytes stand in for the content: the primitives' cost does not depend on what they process.
        _content = RandomNumberGenerator.GetBytes(Math.Max(shape.ContentBytes, shape.PlaintextBytes));
        _ciphertext = new byte[_algorithm.GetCiphertextLength(shape.PlaintextBytes)];
        _key = new byte[_algorithm.KeySize];
        _iv = new byte[_algorithm.IvSize];
        _tag = new byte[_algorithm.IsAuthenticated ? ContentEncryptionAlgorithm.GcmTagSize : 0];
    }

    /// <summary>Digest, signature, content key and IV, content encryption and key transports of one message.</summary>
    /// <exception cref="InvalidOperationException">A signature or key-transport buffer was too small.</exception>
    public void RunOne()
    {
        SHA256.HashData(_content.AsSpan(0, _shape.ContentBytes), _digest);
        bool signed = _rsaSigner is not null
            ? _rsaSigner.TrySignHash(_digest, _signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1, out _)
            : _ecSigner!.TrySignHash(_digest, _signature, DSASignatureFormat.Rfc3279DerSequence, out _);
        RandomNumberGenerator.Fill(_key);
        RandomNumberGenerator.Fill(_iv);
        _algorithm.Encrypt(_content.AsSpan(0, _shape.PlaintextBytes), _key, _iv, _ciphertext, _tag);
        for (int i = 0; i < _shape.KeyTransports; i++)
        {
            signed &= _recipient.TryEncrypt(_key, _encryptedKey, RSAEncryptionPadding.Pkcs1, out _);
        }

        if (!signed)
        {
            throw new InvalidOperationException("A signature or key-transport buffer was too small.");
        }
    }

    public void Dispose()
    {
        CryptographicOperations.ZeroMemory(_key);
        _rsaSigner?.Dispose();
        _ecSigner?.Dispose();
        _recipient.Dispose();
    }
}
