using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cryptography.Pkcs11;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>An immutable snapshot of a <see cref="DirectoryCertificateStore"/> directory (public parts only).</summary>
internal sealed class StoreIndex
{
    private StoreIndex(
        Dictionary<string, List<SignerFile>> signers,
        Dictionary<string, List<RecipientFile>> recipients,
        List<X509Certificate2> anchors,
        List<StoreEntry> entries)
    {
        Signers = signers;
        Recipients = recipients;
        Anchors = anchors;
        Entries = entries;
    }

    /// <summary>The extension of a signer's PKCS#11 key reference, next to its <c>.crt.pem</c>.</summary>
    public const string Pkcs11Extension = ".pkcs11";

    public IReadOnlyDictionary<string, List<SignerFile>> Signers { get; }

    public IReadOnlyDictionary<string, List<RecipientFile>> Recipients { get; }

    public IReadOnlyList<X509Certificate2> Anchors { get; }

    public IReadOnlyList<StoreEntry> Entries { get; }

    public static StoreIndex Load(string root)
    {
        var signers = new Dictionary<string, List<SignerFile>>(StringComparer.Ordinal);
        var recipients = new Dictionary<string, List<RecipientFile>>(StringComparer.Ordinal);
        var anchors = new List<X509Certificate2>();
        var entries = new List<StoreEntry>();

        foreach (var (address, file) in FilesByAddress(Path.Combine(root, "signers"), "*.crt.pem"))
        {
            string keyPath = file[..^".crt.pem".Length] + ".key.pem";
            string uriPath = file[..^".crt.pem".Length] + Pkcs11Extension;
            Pkcs11Uri? keyUri = null;
            if (File.Exists(uriPath))
            {
                // The key lives in a PKCS#11 token; the file holds only its URI (never a PIN).
                keyUri = Pkcs11Uri.TryParse(File.ReadAllText(uriPath).Trim(), out var parsed, out var error)
                    ? parsed
                    : throw new InvalidDataException($"The signer key reference {uriPath} is not a usable pkcs11: URI: {error}");
            }
            else if (!File.Exists(keyPath))
            {
                throw new InvalidDataException($"The signer certificate {file} has no key file {keyPath} (nor a PKCS#11 key reference {uriPath}).");
            }

            var certificates = ReadPem(file);
            var signer = new SignerFile(address, certificates[0], certificates.Skip(1).ToList(), file, keyPath, keyUri);
            Add(signers, address, signer);
            entries.Add(Entry(StoreEntryKind.Signer, address, certificates[0]) with
            {
                KeyLocation = keyUri is null ? SignerKeyLocation.File : SignerKeyLocation.Pkcs11,
                KeyUri = keyUri?.ToString(),
            });
        }

        foreach (var (address, file) in FilesByAddress(Path.Combine(root, "recipients"), "*.pem"))
        {
            var certificate = ReadPem(file)[0];
            Add(recipients, address, new RecipientFile(certificate));
            entries.Add(Entry(StoreEntryKind.Recipient, address, certificate));
        }

        string anchorDirectory = Path.Combine(root, "anchors");
        if (Directory.Exists(anchorDirectory))
        {
            foreach (var file in Directory.EnumerateFiles(anchorDirectory, "*.pem").Order(StringComparer.Ordinal))
            {
                var certificate = ReadPem(file)[0];
                anchors.Add(certificate);
                entries.Add(Entry(StoreEntryKind.Anchor, null, certificate));
            }
        }

        return new StoreIndex(signers, recipients, anchors, entries);
    }

    private static IEnumerable<(string Address, string File)> FilesByAddress(string directory, string pattern)
    {
        if (!Directory.Exists(directory))
        {
            yield break;
        }

        foreach (var addressDirectory in Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            string address = CertificateAddresses.Normalize(Path.GetFileName(addressDirectory));
            foreach (var file in Directory.EnumerateFiles(addressDirectory, pattern).Order(StringComparer.Ordinal))
            {
                if (!file.EndsWith(".key.pem", StringComparison.Ordinal))
                {
                    yield return (address, file);
                }
            }
        }
    }

    private static List<X509Certificate2> ReadPem(string file)
    {
        try
        {
            var collection = new X509Certificate2Collection();
            collection.ImportFromPemFile(file);
            if (collection.Count == 0)
            {
                throw new InvalidDataException($"The store file {file} holds no certificate.");
            }

            return [.. collection];
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"The store file {file} is not a readable PEM certificate.", ex);
        }
    }

    private static void Add<T>(Dictionary<string, List<T>> index, string address, T item)
    {
        if (!index.TryGetValue(address, out var list))
        {
            index[address] = list = [];
        }

        list.Add(item);
    }

    private static StoreEntry Entry(StoreEntryKind kind, string? address, X509Certificate2 certificate) => new(
        kind,
        address,
        certificate.Subject,
        DirectoryCertificateStore.Thumbprint(certificate),
        new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero),
        new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero));

    /// <summary>A signer's files; the key is read (or, in a token, opened) only by <see cref="LoadIdentity"/>.</summary>
    internal sealed record SignerFile(string Address, X509Certificate2 Certificate, List<X509Certificate2> ChainCertificates, string CertificatePath, string KeyPath, Pkcs11Uri? KeyUri)
    {
        public string Thumbprint { get; } = DirectoryCertificateStore.Thumbprint(Certificate);

        public SignerIdentity LoadIdentity(Pkcs11KeyProvider? pkcs11)
        {
            // The root is not sent: recipients must already trust it (RFC 8550 §4.3).
            var sent = ChainCertificates.Where(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData) is false).ToList();
            if (KeyUri is not null)
            {
                if (pkcs11 is null)
                {
                    throw new InvalidDataException($"The signer {Address} ({CertificatePath}) keeps its key in a PKCS#11 token ({KeyUri}), but no PKCS#11 access is configured (Signer:Pkcs11).");
                }

                var certificate = X509CertificateLoader.LoadCertificate(Certificate.RawData);
                try
                {
                    return new SignerIdentity(Address, certificate, sent, pkcs11.OpenKey(KeyUri, certificate), SignerKeyLocation.Pkcs11);
                }
                catch
                {
                    certificate.Dispose();
                    throw;
                }
            }

            if (Ed25519PrivateKeys.IsEd25519(Certificate))
            {
                return LoadEd25519Identity(sent);
            }

            X509Certificate2 withKey;
            try
            {
                withKey = X509Certificate2.CreateFromPemFile(CertificatePath, KeyPath);
            }
            catch (CryptographicException ex)
            {
                throw new InvalidDataException($"The signer key file {KeyPath} cannot be read or does not match {CertificatePath}.", ex);
            }

            return new SignerIdentity(Address, withKey, sent);
        }

        private SignerIdentity LoadEd25519Identity(List<X509Certificate2> sent)
        {
            // .NET cannot attach an Ed25519 key to a certificate: the PKCS#8 file is read with BouncyCastle.
            char[] pem;
            try
            {
                pem = File.ReadAllText(KeyPath).ToCharArray();
            }
            catch (IOException ex)
            {
                throw new InvalidDataException($"The signer key file {KeyPath} cannot be read.", ex);
            }

            try
            {
                var certificate = X509CertificateLoader.LoadCertificate(Certificate.RawData);
                return new SignerIdentity(Address, certificate, sent, Ed25519PrivateKeys.ReadPem(pem, certificate, KeyPath), SignerKeyLocation.File);
            }
            catch (CryptographicException ex)
            {
                throw new InvalidDataException($"The signer key file {KeyPath} cannot be read or does not match {CertificatePath}: {ex.Message}", ex);
            }
            finally
            {
                CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(pem.AsSpan()));
            }
        }
    }

    /// <summary>A recipient certificate file.</summary>
    internal sealed record RecipientFile(X509Certificate2 Certificate);
}
