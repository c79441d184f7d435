using System.Text;

namespace SmimePipeline.Testing;

/// <summary>
/// A DKIM signing key made by OpenSSL, and signing with <c>dkimsign</c> from python3-dkim: a DKIM signer we did
/// not write. <see cref="TxtRecord"/> is what the domain publishes at <c>selector._domainkey.domain</c>.
/// </summary>
public sealed class DkimKey
{
    /// <summary>Where Debian's python3-dkim installs its signer.</summary>
    public const string Signer = "/usr/bin/dkimsign";

    private DkimKey(string keyPath, string domain, string selector, string publicKeyBase64)
    {
        KeyPath = keyPath;
        Domain = domain;
        Selector = selector;
        PublicKeyBase64 = publicKeyBase64;
    }

    public string KeyPath { get; }

    public string Domain { get; }

    public string Selector { get; }

    public string PublicKeyBase64 { get; }

    /// <summary>The DNS name of the key record.</summary>
    public string RecordName => $"{Selector}._domainkey.{Domain}";

    /// <summary>The key record (RFC 6376 §3.6.1) split into TXT strings.</summary>
    public IReadOnlyList<string> TxtRecord => DnsmasqServer.Split($"v=DKIM1; k=rsa; p={PublicKeyBase64}");

    /// <summary>Creates an RSA-2048 key in <paramref name="directory"/>.</summary>
    public static async Task<DkimKey> CreateAsync(string directory, string domain, string selector)
    {
        var keyPath = Path.Combine(directory, $"dkim-{selector}-{domain}.key");
        var generated = await ExternalTool.RunAsync("openssl", ["genrsa", "-traditional", "-out", keyPath, "2048"]);
        Check(generated.ExitCode == 0, generated.Stderr);
        var publicKey = await ExternalTool.RunAsync("openssl", ["rsa", "-in", keyPath, "-pubout", "-outform", "DER"]);
        Check(publicKey.ExitCode == 0, publicKey.Stderr);
        return new DkimKey(keyPath, domain, selector, Convert.ToBase64String(publicKey.Stdout));
    }

    /// <summary>Signs <paramref name="mail"/> (line ends made CRLF first, as on the wire) and returns it with its DKIM-Signature.</summary>
    public async Task<byte[]> SignAsync(byte[] mail)
    {
        Check(File.Exists(Signer), $"{Signer} is missing: scripts/test.sh installs python3-dkim.");
        var signed = await ExternalTool.RunAsync(Signer, [Selector, Domain, KeyPath], stdin: ToCrlf(mail));
        Check(signed.ExitCode == 0 && Encoding.ASCII.GetString(signed.Stdout).StartsWith("DKIM-Signature:", StringComparison.Ordinal), $"dkimsign failed: {signed.Stderr}");
        return ToCrlf(signed.Stdout);
    }

    /// <summary>The mail with every line ending CRLF.</summary>
    public static byte[] ToCrlf(byte[] mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var text = Encoding.Latin1.GetString(mail).Replace("\r\n", "\n", StringComparison.Ordinal).Replace("\n", "\r\n", StringComparison.Ordinal);
        return Encoding.Latin1.GetBytes(text);
    }

    private static void Check(bool condition, string problem)
    {
        if (!condition)
        {
            throw new InvalidOperationException(problem);
        }
    }
}
