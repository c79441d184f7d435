using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;
using SmimePipeline.Cryptography.Pkcs11;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// A certificate store in a directory:
/// <c>signers/&lt;address&gt;/&lt;thumbprint&gt;.crt.pem</c> (certificate and chain) with
/// <c>&lt;thumbprint&gt;.key.pem</c> (PKCS#8, mode 0600) or, for a key in a PKCS#11 token,
/// <c>&lt;thumbprint&gt;.pkcs11</c> (its <c>pkcs11:</c> URI, never a PIN), <c>recipients/&lt;address&gt;/&lt;thumbprint&gt;.pem</c>
/// and <c>anchors/&lt;thumbprint&gt;.pem</c>. Directories are created with mode 0700.
/// Lookups are served from an in-memory index built at construction and by <see cref="Reload"/>;
/// private keys are read once per process, on first use. Thread-safe.
/// </summary>
public sealed class DirectoryCertificateStore : ICertificateStore, IDisposable
{
    private const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    private const UnixFileMode KeyFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode CertificateFileMode = KeyFileMode | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    private readonly TimeProvider _timeProvider;
    private readonly ConcurrentDictionary<string, Lazy<SignerIdentity>> _identities = new(StringComparer.Ordinal);
    private readonly Lock _writeLock = new();
    private readonly Pkcs11KeyProvider? _pkcs11;
    private volatile StoreIndex _index;

    /// <summary>Opens (and creates, if missing) the store at <paramref name="directory"/> and indexes it.</summary>
    /// <param name="directory">The store's root directory.</param>
    /// <param name="timeProvider">The clock used to prefer valid certificates; default system.</param>
    /// <param name="pkcs11">Opens signer keys filed as <c>pkcs11:</c> URIs; without it such signers cannot sign.</param>
    /// <exception cref="InvalidDataException">A file in the store cannot be read; the message names it.</exception>
    public DirectoryCertificateStore(string directory, TimeProvider? timeProvider = null, Pkcs11KeyProvider? pkcs11 = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _pkcs11 = pkcs11;
        CreatePrivateDirectory(Directory);
        _index = StoreIndex.Load(Directory);
    }

    /// <summary>The store's root directory.</summary>
    public string Directory { get; }

    /// <inheritdoc />
    public IReadOnlyList<X509Certificate2> TrustAnchors => _index.Anchors;

    /// <inheritdoc />
    /// <remarks>Of several certificates for the address, the currently valid one that expires last wins
    /// (or, when none is valid, the one that expired last, so the caller can say it expired).</remarks>
    /// <exception cref="InvalidDataException">The key file cannot be read; the message names it.</exception>
    /// <exception cref="Pkcs11UnavailableException">The signer's PKCS#11 token is unavailable (transient: retry).</exception>
    /// <exception cref="Pkcs11KeyNotFoundException">The token holds no matching key for the signer's certificate.</exception>
    public SignerIdentity? FindSigner(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var signer = Pick(_index.Signers, address, s => s.Certificate);
        return signer is null ? null : Open(signer);
    }

    /// <summary>
    /// The signer identity whose certificate satisfies <paramref name="matches"/>, whatever its address or validity
    /// (a reply may be encrypted to a certificate that was renewed since), or <see langword="null"/>.
    /// </summary>
    /// <param name="matches">Whether a signer certificate is the one sought.</param>
    /// <returns>The identity with its key opened; the store owns it.</returns>
    /// <exception cref="InvalidDataException">The key file cannot be read; the message names it.</exception>
    /// <exception cref="Pkcs11UnavailableException">The signer's PKCS#11 token is unavailable (transient: retry).</exception>
    /// <exception cref="Pkcs11KeyNotFoundException">The token holds no matching key for the signer's certificate.</exception>
    public SignerIdentity? FindSigner(Func<X509Certificate2, bool> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        var signer = _index.Signers.Values.SelectMany(s => s).FirstOrDefault(s => matches(s.Certificate));
        return signer is null ? null : Open(signer);
    }

    private SignerIdentity Open(StoreIndex.SignerFile signer)
    {
        string cacheKey = signer.Address + "|" + signer.Thumbprint;
        var lazy = _identities.GetOrAdd(
            cacheKey,
            _ => new Lazy<SignerIdentity>(() => signer.LoadIdentity(_pkcs11), LazyThreadSafetyMode.ExecutionAndPublication));
        try
        {
            return lazy.Value;
        }
        catch (Exception e) when (e is InvalidDataException or Pkcs11UnavailableException or Pkcs11KeyNotFoundException)
        {
            // Lazy would cache the failure for the life of the process; forget it so a repaired key file
            // is picked up by the next lookup, and let the caller see this failure.
            _identities.TryRemove(new KeyValuePair<string, Lazy<SignerIdentity>>(cacheKey, lazy));
            throw;
        }
    }

    /// <inheritdoc />
    /// <remarks>Falls back to the address's signer certificate when no recipient certificate is filed.</remarks>
    public X509Certificate2? FindRecipientCertificate(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        return Pick(_index.Recipients, address, r => r.Certificate)?.Certificate
            ?? Pick(_index.Signers, address, s => s.Certificate)?.Certificate;
    }

    /// <summary>Every certificate in the store.</summary>
    /// <returns>Signers, recipients and anchors, ordered by kind and address.</returns>
    public IReadOnlyList<StoreEntry> List() => _index.Entries;

    /// <summary>Re-reads the directory (after another process changed it). Loaded keys stay cached.</summary>
    /// <exception cref="InvalidDataException">A file cannot be read; the message names it.</exception>
    public void Reload() => _index = StoreIndex.Load(Directory);

    /// <summary>Imports a signer from a PKCS#12 file: its key, certificate and chain.</summary>
    /// <param name="pkcs12Path">The .p12/.pfx file.</param>
    /// <param name="password">Its password (never logged nor put in an error).</param>
    /// <returns>The addresses the signer was filed under.</returns>
    /// <exception cref="InvalidDataException">The file cannot be read or holds no private key.</exception>
    public IReadOnlyList<string> ImportSigner(string pkcs12Path, string password)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pkcs12Path);
        X509Certificate2Collection collection;
        try
        {
            // Exportable only for the moment it takes to write the PKCS#8 file; the objects are disposed below.
            collection = X509CertificateLoader.LoadPkcs12CollectionFromFile(
                pkcs12Path, password, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"Cannot read the PKCS#12 file {pkcs12Path} (wrong password or damaged file).", ex);
        }

        try
        {
            var leaf = collection.FirstOrDefault(c => c.HasPrivateKey)
                ?? throw new InvalidDataException($"The PKCS#12 file {pkcs12Path} holds no private key.");
            return ImportSigner(leaf, collection.Where(c => !ReferenceEquals(c, leaf)));
        }
        finally
        {
            foreach (var certificate in collection)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>
    /// Imports a signer from a PEM certificate file (end-entity first, then its chain) and an unencrypted PKCS#8
    /// (or, for RSA/ECDSA, PKCS#1/SEC1) PEM key file. RSA, ECDSA and Ed25519 (RFC 8419) keys are accepted.
    /// </summary>
    /// <param name="certificatePath">The PEM certificate file.</param>
    /// <param name="keyPath">The PEM key file.</param>
    /// <returns>The addresses the signer was filed under.</returns>
    /// <exception cref="InvalidDataException">A file cannot be read, or the key does not belong to the certificate; the message names the file.</exception>
    /// <exception cref="ArgumentException">The certificate names no address, or one unusable as a directory name.</exception>
    public IReadOnlyList<string> ImportSignerFromPem(string certificatePath, string keyPath)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(certificatePath);
        ArgumentException.ThrowIfNullOrWhiteSpace(keyPath);
        var certificates = CertificateFiles.ReadCertificates(certificatePath);
        char[] keyPem = File.ReadAllText(keyPath).ToCharArray();
        try
        {
            var leaf = certificates[0];
            var chain = certificates.Skip(1);
            if (Ed25519PrivateKeys.IsEd25519(leaf))
            {
                return ImportSigner(leaf, Ed25519PrivateKeys.ReadPem(keyPem, leaf, keyPath), chain);
            }

            using var withKey = X509Certificate2.CreateFromPem(PemEncoding.WriteString("CERTIFICATE", leaf.RawData).AsSpan(), keyPem);
            // CreateFromPem gives an ephemeral key that may refuse export; it is re-imported as exportable to be filed.
            using var exportable = X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable | X509KeyStorageFlags.EphemeralKeySet);
            return ImportSigner(exportable, chain);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"The key {keyPath} cannot be read or does not belong to {certificatePath}: {ex.Message}", ex);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(keyPem.AsSpan()));
            foreach (var certificate in certificates)
            {
                certificate.Dispose();
            }
        }
    }

    /// <summary>Imports a signer from a certificate that carries its private key, and its chain.</summary>
    /// <param name="certificate">The end-entity certificate with an exportable RSA or ECDSA private key.</param>
    /// <param name="chain">Intermediate (and optionally root) certificates.</param>
    /// <returns>The addresses the signer was filed under.</returns>
    /// <exception cref="ArgumentException">No private key, no address, or an address unusable as a directory name.</exception>
    public IReadOnlyList<string> ImportSigner(X509Certificate2 certificate, IEnumerable<X509Certificate2> chain)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        var addresses = AddressesFor(certificate);
        using AsymmetricAlgorithm key = (AsymmetricAlgorithm?)certificate.GetRSAPrivateKey()
            ?? certificate.GetECDsaPrivateKey()
            ?? throw new ArgumentException($"The certificate {certificate.Subject} has no RSA or ECDSA private key.", nameof(certificate));
        byte[] pkcs8 = key.ExportPkcs8PrivateKey();
        char[] keyPem = PemEncoding.Write("PRIVATE KEY", pkcs8);
        CryptographicOperations.ZeroMemory(pkcs8);
        return WriteSigner(addresses, certificate, chain, keyPem);
    }

    /// <summary>
    /// Imports an Ed25519 signer (RFC 8419): its certificate and chain, and its key as PKCS#8 PEM
    /// (<c>&lt;sha256&gt;.key.pem</c>, mode 0600, as for RSA and ECDSA).
    /// </summary>
    /// <param name="certificate">The Ed25519 end-entity certificate.</param>
    /// <param name="privateKey">Its key.</param>
    /// <param name="chain">Intermediate (and optionally root) certificates.</param>
    /// <returns>The addresses the signer was filed under.</returns>
    /// <exception cref="ArgumentException">The key does not belong to the certificate, no address, or an address unusable as a directory name.</exception>
    public IReadOnlyList<string> ImportSigner(X509Certificate2 certificate, Ed25519PrivateKeyParameters privateKey, IEnumerable<X509Certificate2> chain)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(privateKey);
        ArgumentNullException.ThrowIfNull(chain);
        if (!Ed25519PrivateKeys.IsEd25519(certificate)
            || !privateKey.GeneratePublicKey().GetEncoded().AsSpan().SequenceEqual(certificate.PublicKey.EncodedKeyValue.RawData))
        {
            throw new ArgumentException($"The Ed25519 key does not belong to certificate {certificate.Subject} ({certificate.Thumbprint}).", nameof(privateKey));
        }

        return WriteSigner(AddressesFor(certificate), certificate, chain, Ed25519PrivateKeys.WritePem(privateKey));
    }

    private IReadOnlyList<string> WriteSigner(IReadOnlyList<string> addresses, X509Certificate2 certificate, IEnumerable<X509Certificate2> chain, char[] keyPem)
    {
        var pem = new StringBuilder(PemEncoding.WriteString("CERTIFICATE", certificate.RawData)).Append('\n');
        foreach (var extra in chain)
        {
            pem.Append(PemEncoding.WriteString("CERTIFICATE", extra.RawData)).Append('\n');
        }

        byte[] keyBytes = Encoding.ASCII.GetBytes(keyPem);
        try
        {
            string thumbprint = Thumbprint(certificate);
            lock (_writeLock)
            {
                foreach (var address in addresses)
                {
                    string directory = Path.Combine(Directory, "signers", address);
                    CreatePrivateDirectory(Path.Combine(Directory, "signers"));
                    CreatePrivateDirectory(directory);
                    WriteFile(Path.Combine(directory, thumbprint + ".key.pem"), keyBytes, KeyFileMode);
                    WriteFile(Path.Combine(directory, thumbprint + ".crt.pem"), Encoding.ASCII.GetBytes(pem.ToString()), CertificateFileMode);
                }

                Reload();
            }
        }
        finally
        {
            CryptographicOperations.ZeroMemory(keyBytes);
            CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(keyPem.AsSpan()));
        }

        return addresses;
    }

    /// <summary>
    /// Files a signer whose private key stays in a PKCS#11 token: its certificate and chain as
    /// <c>&lt;sha256&gt;.crt.pem</c> and the key's URI as <c>&lt;sha256&gt;.pkcs11</c>. No key material and no PIN
    /// is written. The caller proves first that the key belongs to the certificate (<see cref="Pkcs11KeyProvider.OpenKey"/>).
    /// </summary>
    /// <param name="keyUri">The key's URI (with <c>module-path</c> unless the workers configure one).</param>
    /// <param name="certificate">The end-entity certificate.</param>
    /// <param name="chain">Intermediate (and optionally root) certificates.</param>
    /// <returns>The addresses the signer was filed under.</returns>
    /// <exception cref="ArgumentException">No address, or an address unusable as a directory name.</exception>
    public IReadOnlyList<string> ImportPkcs11Signer(Pkcs11Uri keyUri, X509Certificate2 certificate, IEnumerable<X509Certificate2> chain)
    {
        ArgumentNullException.ThrowIfNull(keyUri);
        ArgumentNullException.ThrowIfNull(certificate);
        ArgumentNullException.ThrowIfNull(chain);
        var addresses = AddressesFor(certificate);
        var pem = new StringBuilder(PemEncoding.WriteString("CERTIFICATE", certificate.RawData)).Append('\n');
        foreach (var extra in chain)
        {
            pem.Append(PemEncoding.WriteString("CERTIFICATE", extra.RawData)).Append('\n');
        }

        string thumbprint = Thumbprint(certificate);
        lock (_writeLock)
        {
            foreach (var address in addresses)
            {
                string directory = Path.Combine(Directory, "signers", address);
                CreatePrivateDirectory(Path.Combine(Directory, "signers"));
                CreatePrivateDirectory(directory);
                WriteFile(Path.Combine(directory, thumbprint + StoreIndex.Pkcs11Extension), Encoding.UTF8.GetBytes(keyUri + "\n"), KeyFileMode);
                WriteFile(Path.Combine(directory, thumbprint + ".crt.pem"), Encoding.ASCII.GetBytes(pem.ToString()), CertificateFileMode);
            }

            Reload();
        }

        return addresses;
    }

    /// <summary>
    /// Imports recipient certificates from a PEM file, a PEM bundle or a DER file. Each end-entity
    /// certificate is filed under each of its addresses; CA certificates in a bundle are ignored
    /// (use <see cref="Trust"/>).
    /// </summary>
    /// <param name="path">The file.</param>
    /// <returns>The addresses imported.</returns>
    /// <exception cref="InvalidDataException">The file holds no readable certificate.</exception>
    /// <exception cref="ArgumentException">A certificate names no address or one that cannot be filed (see <see cref="CertificateAddresses.FindUnfileableReason"/>); nothing is written.</exception>
    public IReadOnlyList<string> ImportCertificate(string path)
    {
        var imported = new List<string>();
        var certificates = LoadCertificates(path);
        try
        {
            // Every address of every certificate is checked before anything is written: a file with one
            // certificate that cannot be filed leaves the store as it was.
            var filings = certificates.Where(c => !IsCertificateAuthority(c)).Select(c => (Certificate: c, Addresses: AddressesFor(c))).ToList();
            lock (_writeLock)
            {
                foreach (var (certificate, addresses) in filings)
                {
                    string thumbprint = Thumbprint(certificate);
                    byte[] pem = Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", certificate.RawData) + "\n");
                    foreach (var address in addresses)
                    {
                        string directory = Path.Combine(Directory, "recipients", address);
                        CreatePrivateDirectory(Path.Combine(Directory, "recipients"));
                        CreatePrivateDirectory(directory);
                        WriteFile(Path.Combine(directory, thumbprint + ".pem"), pem, CertificateFileMode);
                        imported.Add(address);
                    }
                }

                Reload();
            }
        }
        finally
        {
            DisposeAll(certificates);
        }

        if (imported.Count == 0)
        {
            throw new InvalidDataException($"The file {path} holds no end-entity certificate.");
        }

        return imported;
    }

    /// <summary>Adds the CA certificate(s) in <paramref name="caPath"/> (PEM, bundle or DER) as trust anchors.</summary>
    /// <param name="caPath">The file.</param>
    /// <returns>The SHA-256 thumbprints added.</returns>
    /// <exception cref="InvalidDataException">The file holds no readable certificate.</exception>
    public IReadOnlyList<string> Trust(string caPath)
    {
        var added = new List<string>();
        var certificates = LoadCertificates(caPath);
        try
        {
            lock (_writeLock)
            {
                CreatePrivateDirectory(Path.Combine(Directory, "anchors"));
                foreach (var certificate in certificates)
                {
                    string thumbprint = Thumbprint(certificate);
                    WriteFile(
                        Path.Combine(Directory, "anchors", thumbprint + ".pem"),
                        Encoding.ASCII.GetBytes(PemEncoding.WriteString("CERTIFICATE", certificate.RawData) + "\n"),
                        CertificateFileMode);
                    added.Add(thumbprint);
                }

                Reload();
            }
        }
        finally
        {
            DisposeAll(certificates);
        }

        return added;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var lazy in _identities.Values)
        {
            if (lazy.IsValueCreated)
            {
                lazy.Value.Dispose();
            }
        }

        _identities.Clear();
    }

    internal static string Thumbprint(X509Certificate2 certificate) =>
        certificate.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant();

    internal static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            System.IO.Directory.CreateDirectory(path);
        }
        else if (!System.IO.Directory.Exists(path))
        {
            System.IO.Directory.CreateDirectory(path, DirectoryMode);
        }
    }

    internal static void WriteFile(string path, ReadOnlySpan<byte> content, UnixFileMode mode)
    {
        // Write next to the target, then rename: readers never see a half-written file, and a key file
        // is created with its final mode, never readable by others even for a moment.
        string temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = mode;
        }

        using (var stream = new FileStream(temporary, options))
        {
            stream.Write(content);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }

    internal static bool IsCertificateAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);

    private static IReadOnlyList<string> AddressesFor(X509Certificate2 certificate) => CertificateAddresses.GetFileable(certificate);

    private static List<X509Certificate2> LoadCertificates(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        try
        {
            byte[] bytes = File.ReadAllBytes(path);
            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0)
            {
                var collection = new X509Certificate2Collection();
                collection.ImportFromPem(Encoding.ASCII.GetString(bytes));
                if (collection.Count == 0)
                {
                    throw new InvalidDataException($"The file {path} holds no PEM certificate.");
                }

                return [.. collection];
            }

            return [X509CertificateLoader.LoadCertificate(bytes)];
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"The file {path} is not a readable certificate (PEM or DER).", ex);
        }
    }

    private static void DisposeAll(List<X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            certificate.Dispose();
        }
    }

    private T? Pick<T>(IReadOnlyDictionary<string, List<T>> index, string address, Func<T, X509Certificate2> certificateOf)
        where T : class
    {
        if (!index.TryGetValue(CertificateAddresses.Normalize(address), out var candidates))
        {
            return null;
        }

        // One certificate per address is the common case: it is the pick whatever its dates (the order below only
        // ranks several), and the LINQ sort with its date conversions ran for every lookup of every mail.
        if (candidates.Count == 1)
        {
            return candidates[0];
        }

        var now = _timeProvider.GetUtcNow().UtcDateTime;
        return candidates
            .OrderByDescending(c => certificateOf(c).NotBefore.ToUniversalTime() <= now && now <= certificateOf(c).NotAfter.ToUniversalTime())
            .ThenByDescending(c => certificateOf(c).NotAfter)
            .FirstOrDefault();
    }
}
