using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace SmimePipeline.Cryptography.Certificates;

/// <summary>Reads certificates and CRLs from files: PEM (one or a bundle), DER, or a PKCS#7 certs-only bundle (.p7b/.p7c).</summary>
public static class CertificateFiles
{
    /// <summary>Reads every certificate in <paramref name="path"/>.</summary>
    /// <param name="path">A PEM, PEM bundle, DER or PKCS#7 file.</param>
    /// <returns>The certificates (the caller disposes them).</returns>
    /// <exception cref="InvalidDataException">The file holds no readable certificate; the message names it.</exception>
    public static List<X509Certificate2> ReadCertificates(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return ReadCertificates(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads every certificate in <paramref name="bytes"/>.</summary>
    /// <param name="bytes">PEM, DER or PKCS#7 bytes.</param>
    /// <param name="name">What to call the data in an error.</param>
    /// <returns>The certificates.</returns>
    /// <exception cref="InvalidDataException">No readable certificate.</exception>
    public static List<X509Certificate2> ReadCertificates(byte[] bytes, string name)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        try
        {
            if (bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0)
            {
                string text = Encoding.ASCII.GetString(bytes);
                var collection = new X509Certificate2Collection();
                collection.ImportFromPem(text);
                // A PEM-wrapped PKCS#7 bundle ("-----BEGIN PKCS7-----") is not read by ImportFromPem.
                foreach (var pkcs7 in PemBlocks(text, "PKCS7"))
                {
                    collection.AddRange(ReadPkcs7(pkcs7));
                }

                return collection.Count > 0 ? [.. collection] : throw new InvalidDataException($"{name} holds no PEM certificate.");
            }

            try
            {
                return [X509CertificateLoader.LoadCertificate(bytes)];
            }
            catch (CryptographicException)
            {
                var bundle = ReadPkcs7(bytes);
                return bundle.Count > 0 ? [.. bundle] : throw new InvalidDataException($"{name} holds no certificate.");
            }
        }
        catch (CryptographicException ex)
        {
            throw new InvalidDataException($"{name} is not a readable certificate (PEM, DER or PKCS#7).", ex);
        }
    }

    /// <summary>Reads a CRL file (PEM <c>X509 CRL</c> or DER) and returns its DER.</summary>
    /// <param name="path">The file.</param>
    /// <returns>The DER-encoded CRLs.</returns>
    /// <exception cref="InvalidDataException">The file holds no CRL.</exception>
    public static List<byte[]> ReadRevocationLists(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return ReadRevocationLists(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads CRLs (PEM <c>X509 CRL</c> blocks or one DER CRL) from <paramref name="bytes"/>.</summary>
    /// <param name="bytes">The data.</param>
    /// <param name="path">What to call the data in an error.</param>
    /// <returns>The DER-encoded CRLs.</returns>
    /// <exception cref="InvalidDataException">The data holds no readable CRL.</exception>
    public static List<byte[]> ReadRevocationLists(byte[] bytes, string path)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(path);
        var result = bytes.AsSpan().IndexOf("-----BEGIN"u8) >= 0 ? PemBlocks(Encoding.ASCII.GetString(bytes), "X509 CRL").ToList() : [bytes];
        foreach (var der in result)
        {
            try
            {
                _ = RevocationListVerifier.Parse(der);
            }
            catch (InvalidDataException ex)
            {
                throw new InvalidDataException($"{path} is not a readable CRL (PEM or DER).", ex);
            }
        }

        return result.Count > 0 ? result : throw new InvalidDataException($"{path} holds no CRL.");
    }

    /// <summary>Whether <paramref name="certificate"/> is a CA certificate (basicConstraints cA).</summary>
    /// <param name="certificate">The certificate.</param>
    /// <returns><see langword="true"/> for a CA.</returns>
    public static bool IsCertificateAuthority(X509Certificate2 certificate)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        return certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);
    }

    private static X509Certificate2Collection ReadPkcs7(byte[] der)
    {
        var result = new X509Certificate2Collection();
        try
        {
            var signed = new Org.BouncyCastle.Cms.CmsSignedData(der);
            foreach (var certificate in signed.GetCertificates().EnumerateMatches(null))
            {
                result.Add(X509CertificateLoader.LoadCertificate(certificate.GetEncoded()));
            }
        }
        catch (Exception ex) when (ex is Org.BouncyCastle.Cms.CmsException or ArgumentException or IOException or InvalidCastException)
        {
            throw new CryptographicException("The data is neither a DER certificate nor a PKCS#7 bundle.", ex);
        }

        return result;
    }

    private static IEnumerable<byte[]> PemBlocks(string text, string label)
    {
        var remaining = text.AsMemory();
        while (PemEncoding.TryFind(remaining.Span, out var fields))
        {
            if (remaining.Span[fields.Label].SequenceEqual(label))
            {
                yield return Convert.FromBase64String(remaining.Span[fields.Base64Data].ToString());
            }

            remaining = remaining[fields.Location.End..];
        }
    }
}
