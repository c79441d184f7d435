using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Org.BouncyCastle.Crypto.Parameters;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>
/// Signer identities from files mounted from Kubernetes Secrets: one directory per identity under
/// <see cref="RootPath"/>, holding either <c>tls.crt</c> (certificate, then chain, PEM) and <c>tls.key</c>
/// (PKCS#8 or PKCS#1 PEM; PKCS#8 for an Ed25519 key) as a <c>kubernetes.io/tls</c> Secret mounts them, or <c>identity.p12</c> with its
/// password in <c>password</c>. Keys are loaded once per change into OpenSSL-backed objects; file buffers
/// that held them are zeroed. <see cref="Refresh"/> re-reads when a file changed (the kubelet swaps the
/// <c>..data</c> symlink, which <see cref="FileSystemWatcher"/> does not report reliably, so callers poll).
/// Thread-safe.
/// </summary>
public sealed class MountedSignerIdentities : IDisposable
{
    private readonly TimeProvider _time;
    private readonly Lock _refreshLock = new();
    private volatile Snapshot _snapshot = new("", [], []);

    /// <summary>Loads the identities under <paramref name="rootPath"/>.</summary>
    /// <param name="rootPath">The directory holding one directory per identity.</param>
    /// <param name="timeProvider">The clock that decides which identity is valid; default system.</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    public MountedSignerIdentities(string rootPath, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootPath);
        if (!Directory.Exists(rootPath))
        {
            throw new DirectoryNotFoundException($"The signer identities directory {rootPath} does not exist.");
        }

        RootPath = Path.GetFullPath(rootPath);
        _time = timeProvider ?? TimeProvider.System;
        Refresh();
    }

    /// <summary>The directory holding one directory per identity.</summary>
    public string RootPath { get; }

    /// <summary>Every loaded identity.</summary>
    public IReadOnlyList<SignerIdentity> Identities => _snapshot.Identities;

    /// <summary>Identity directories that could not be loaded, with the reason (no key material in the text).</summary>
    public IReadOnlyList<string> Problems => _snapshot.Problems;

    /// <summary>
    /// The identity for <paramref name="address"/> (domain case-insensitive): of several (renewal overlap),
    /// the valid one that started last; when none is valid, the one that expired last, so the caller can
    /// say why it is refused.
    /// </summary>
    /// <param name="address">The sender address.</param>
    /// <returns>The identity, or <see langword="null"/>.</returns>
    public SignerIdentity? Find(string address)
    {
        ArgumentNullException.ThrowIfNull(address);
        var now = _time.GetUtcNow().UtcDateTime;
        return _snapshot.Identities
            .Where(i => CertificateAddresses.AddressEquals(i.Address, address))
            .OrderByDescending(i => i.Certificate.NotBefore.ToUniversalTime() <= now && now <= i.Certificate.NotAfter.ToUniversalTime())
            .ThenByDescending(i => i.Certificate.NotBefore)
            .ThenByDescending(i => i.Certificate.NotAfter)
            .FirstOrDefault();
    }

    /// <summary>The identity whose certificate satisfies <paramref name="matches"/>, whatever its validity, or <see langword="null"/>.</summary>
    /// <param name="matches">Whether a certificate is the one sought.</param>
    /// <returns>The identity; this object owns it.</returns>
    public SignerIdentity? Find(Func<System.Security.Cryptography.X509Certificates.X509Certificate2, bool> matches)
    {
        ArgumentNullException.ThrowIfNull(matches);
        return _snapshot.Identities.FirstOrDefault(i => matches(i.Certificate));
    }

    /// <summary>Re-reads the identities when any file under <see cref="RootPath"/> changed since the last read.</summary>
    /// <returns>Whether anything was reloaded.</returns>
    public bool Refresh()
    {
        lock (_refreshLock)
        {
            string fingerprint = Fingerprint();
            if (fingerprint == _snapshot.Fingerprint)
            {
                return false;
            }

            var identities = new List<SignerIdentity>();
            var problems = new List<string>();
            foreach (var directory in Directory.EnumerateDirectories(RootPath).Where(d => !Path.GetFileName(d).StartsWith('.')).Order(StringComparer.Ordinal))
            {
                try
                {
                    if (Load(directory) is { } loaded)
                    {
                        identities.AddRange(loaded);
                    }
                }
                catch (Exception ex) when (ex is CryptographicException or IOException or ArgumentException or UnauthorizedAccessException)
                {
                    // The exception text of a failed key load names the format problem, never key bytes.
                    problems.Add($"{directory}: {ex.Message}");
                }
            }

            var old = _snapshot;
            _snapshot = new Snapshot(fingerprint, identities, problems);

            // Old identities may be in use by a protect call right now; their keys are released by the
            // finalizer-free OpenSSL handles when collected rather than disposed under a running signature.
            _ = old;
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var identity in _snapshot.Identities)
        {
            identity.Dispose();
        }
    }

    private static List<SignerIdentity>? Load(string directory)
    {
        string crt = Path.Combine(directory, "tls.crt");
        string key = Path.Combine(directory, "tls.key");
        string p12 = Path.Combine(directory, "identity.p12");
        X509Certificate2 leaf;
        Ed25519PrivateKeyParameters? ed25519 = null;
        var chain = new List<X509Certificate2>();
        if (File.Exists(crt) && File.Exists(key))
        {
            var certificates = new X509Certificate2Collection();
            certificates.ImportFromPemFile(crt);
            if (certificates.Count == 0)
            {
                throw new CryptographicException("tls.crt holds no certificate.");
            }

            byte[] keyBytes = File.ReadAllBytes(key);
            char[] keyChars = Encoding.ASCII.GetChars(keyBytes);
            try
            {
                if (Ed25519PrivateKeys.IsEd25519(certificates[0]))
                {
                    // .NET cannot attach an Ed25519 key to a certificate: BouncyCastle holds it (RFC 8410 PKCS#8).
                    leaf = certificates[0];
                    ed25519 = Ed25519PrivateKeys.ReadPem(keyChars, leaf, key);
                }
                else
                {
                    using var withoutKey = certificates[0];
                    leaf = X509Certificate2.CreateFromPem(
                        PemEncoding.WriteString("CERTIFICATE", withoutKey.RawData).AsSpan(), keyChars);
                }
            }
            finally
            {
                CryptographicOperations.ZeroMemory(keyBytes);
                CryptographicOperations.ZeroMemory(System.Runtime.InteropServices.MemoryMarshal.AsBytes(keyChars.AsSpan()));
            }

            chain.AddRange(certificates.Skip(1));
        }
        else if (File.Exists(p12))
        {
            string passwordFile = Path.Combine(directory, "password");
            string password = File.Exists(passwordFile) ? File.ReadAllText(passwordFile).TrimEnd('\r', '\n') : "";
            byte[] bytes = File.ReadAllBytes(p12);
            try
            {
                var collection = X509CertificateLoader.LoadPkcs12Collection(bytes, password, X509KeyStorageFlags.EphemeralKeySet);
                leaf = collection.FirstOrDefault(c => c.HasPrivateKey) ?? throw new CryptographicException("identity.p12 holds no private key.");
                chain.AddRange(collection.Where(c => !ReferenceEquals(c, leaf)));
            }
            finally
            {
                CryptographicOperations.ZeroMemory(bytes);
            }
        }
        else
        {
            return null;
        }

        // A signature carries intermediates, not the root (RFC 8551 §2.4.2 leaves the root to the recipient).
        chain.RemoveAll(c => c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData));
        var addresses = CertificateAddresses.Get(leaf);
        if (addresses.Count == 0)
        {
            throw new CryptographicException($"The certificate {leaf.Subject} names no mail address.");
        }

        return ed25519 is null
            ? [.. addresses.Select(a => new SignerIdentity(a, leaf, chain, SignerKeyLocation.Mounted))]
            : [.. addresses.Select(a => new SignerIdentity(a, leaf, chain, ed25519, SignerKeyLocation.Mounted))];
    }

    private string Fingerprint()
    {
        var builder = new StringBuilder();
        foreach (var file in Directory.EnumerateFiles(RootPath, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            // Resolve symlinks (Secret mounts are symlinks into ..data): the target's time changes on rotation.
            var target = info.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? info;
            builder.Append(file).Append('|').Append(target.FullName).Append('|').Append(target.LastWriteTimeUtc.Ticks).Append('|').Append(target.Length).Append('\n');
        }

        return builder.ToString();
    }

    private sealed record Snapshot(string Fingerprint, IReadOnlyList<SignerIdentity> Identities, IReadOnlyList<string> Problems);
}
