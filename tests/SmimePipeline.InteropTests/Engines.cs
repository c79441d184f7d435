using System.Text;
using SmimePipeline.Cryptography.Tests.Algorithms;
using SmimePipeline.Testing;

namespace SmimePipeline.InteropTests;

/// <summary>An independent S/MIME engine that reads what SmimePipeline writes.</summary>
public interface IInteropEngine
{
    string Name { get; }

    /// <summary>Decrypts (when <paramref name="encrypted"/>) with <paramref name="recipient"/>'s key, then verifies.</summary>
    EngineVerdict Read(byte[] message, bool encrypted, string recipient);
}

/// <summary>Files in one scratch directory; the tools read and write files.</summary>
internal static class Scratch
{
    public static string Write(string directory, byte[] bytes, string extension)
    {
        string path = Path.Combine(directory, Guid.NewGuid().ToString("N") + extension);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    public static ToolResult Run(string tool, string[] args, byte[]? stdin = null, IReadOnlyDictionary<string, string>? environment = null) =>
        ExternalTool.RunAsync(tool, args, stdin, TimeSpan.FromSeconds(60), environment).GetAwaiter().GetResult();

    public static string FirstLine(string text) =>
        text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault(l => l.Length > 0) ?? "no message";
}

/// <summary>OpenSSL 3.0: <c>openssl cms -decrypt</c>, then <c>openssl cms -verify</c> against the test CA.</summary>
public sealed class OpenSslEngine(AlgorithmPki pki, string directory) : IInteropEngine
{
    public string Name => "OpenSSL 3.0";

    public EngineVerdict Read(byte[] message, bool encrypted, string recipient)
    {
        byte[] signed = message;
        if (encrypted)
        {
            string input = Scratch.Write(directory, message, ".eml");
            var decrypt = Scratch.Run("openssl", ["cms", "-decrypt", "-recip", pki.CertificatePath(recipient), "-inkey", pki.KeyPath(recipient), "-in", input, "-out", input + ".dec"]);
            if (decrypt.ExitCode != 0)
            {
                return new EngineVerdict(false, false, Scratch.FirstLine(decrypt.Stderr));
            }

            signed = File.ReadAllBytes(input + ".dec");
        }

        string signedFile = Scratch.Write(directory, signed, ".eml");
        var verify = Scratch.Run("openssl", ["cms", "-verify", "-CAfile", pki.CaCertificatePath, "-in", signedFile, "-out", signedFile + ".out"]);
        bool ok = verify.ExitCode == 0 && verify.Stderr.Contains("Verification successful", StringComparison.Ordinal);
        return new EngineVerdict(true, ok, ok ? "" : Scratch.FirstLine(verify.Stderr), ok ? File.ReadAllBytes(signedFile + ".out") : null);
    }
}

/// <summary>
/// NSS <c>cmsutil</c> (Thunderbird's engine) with its own database: recipients' PKCS#12 imported, the CA trusted.
/// cmsutil exits 0 even for a bad signature, so the verdict is its <c>signer0.status=</c> line.
/// </summary>
public sealed class NssEngine : IInteropEngine
{
    private readonly string _database;
    private readonly string _directory;

    public NssEngine(AlgorithmPki pki, string directory, IEnumerable<string> recipients)
    {
        _directory = directory;
        string db = Path.Combine(directory, "nssdb");
        Directory.CreateDirectory(db);
        _database = "sql:" + db;
        Check(Scratch.Run("certutil", ["-N", "-d", _database, "--empty-password"]), "certutil -N");
        foreach (var address in recipients)
        {
            string p12 = Path.Combine(directory, address + ".nss.p12");
            Check(Scratch.Run("openssl", ["pkcs12", "-export", "-in", pki.CertificatePath(address), "-inkey", pki.KeyPath(address), "-name", address, "-passout", "pass:interop", "-out", p12]), "openssl pkcs12");
            Check(Scratch.Run("pk12util", ["-i", p12, "-d", _database, "-W", "interop"]), "pk12util -i");
        }

        Check(Scratch.Run("certutil", ["-A", "-d", _database, "-n", "interop-ca", "-t", "C,C,C", "-i", pki.CaCertificatePath]), "certutil -A");
    }

    public string Name => "NSS cmsutil";

    public EngineVerdict Read(byte[] message, bool encrypted, string recipient)
    {
        byte[] signed = message;
        if (encrypted)
        {
            string input = Scratch.Write(_directory, SignedEntity.Pkcs7Der(message), ".p7m");
            var decrypt = Scratch.Run("cmsutil", ["-D", "-i", input, "-d", _database, "-o", input + ".dec"]);
            if (decrypt.ExitCode != 0)
            {
                return new EngineVerdict(false, false, Scratch.FirstLine(decrypt.Stderr));
            }

            signed = File.ReadAllBytes(input + ".dec");
        }

        var (content, der) = SignedEntity.Split(signed);
        string derFile = Scratch.Write(_directory, der, ".p7s");
        // With -h the signer status is printed before the content, on standard output (not to -o).
        var args = new List<string> { "-D", "-i", derFile, "-d", _database, "-h", "1" };
        if (content is not null)
        {
            args.AddRange(["-c", Scratch.Write(_directory, content, ".content")]);
        }

        var verify = Scratch.Run("cmsutil", [.. args]);
        string output = verify.StdoutText + verify.Stderr;
        int status = output.IndexOf("signer0.status=", StringComparison.Ordinal);
        string value = status < 0 ? "" : output[(status + "signer0.status=".Length)..].Split(';', '\n')[0].Trim();
        bool ok = verify.ExitCode == 0 && value == "GoodSignature";
        return new EngineVerdict(true, ok, ok ? "" : value.Length > 0 ? value : Scratch.FirstLine(verify.Stderr), ok ? content : null);
    }

    private static void Check(ToolResult result, string what) =>
        Assert.True(result.ExitCode == 0, $"{what} failed ({result.ExitCode}): {result.Stderr}");
}

/// <summary>
/// GnuPG <c>gpgsm</c> 2.2 (KMail/Kleopatra's engine) with its own home directory: loopback pinentry, no CRL
/// checks, the CA trusted in trustlist.txt. A good verdict needs GOODSIG and TRUST_FULLY on the status fd.
/// </summary>
public sealed class GpgsmEngine : IInteropEngine, IDisposable
{
    private const string Passphrase = "interop";
    private readonly string _home;
    private readonly string _directory;

    public GpgsmEngine(AlgorithmPki pki, string directory, IEnumerable<string> recipients)
    {
        _directory = directory;
        _home = Path.Combine(directory, "gnupg");
        Directory.CreateDirectory(_home);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(_home, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        File.WriteAllText(Path.Combine(_home, "gpg-agent.conf"), "allow-loopback-pinentry\n");
        File.WriteAllText(Path.Combine(_home, "gpgsm.conf"), "disable-crl-checks\n");
        Check(Gpgsm(["--import", pki.CaCertificatePath]), "gpgsm --import CA");
        foreach (var address in recipients)
        {
            // gpgsm 2.2 imports only PKCS#12 protected with 3DES and a SHA-1 MAC (design.md).
            string p12 = Path.Combine(directory, address + ".gpgsm.p12");
            var imported = ExportAndImport(pki, address, p12);
            for (int attempt = 2; attempt <= 3 && imported.ExitCode == 2 && imported.Stderr.Contains("decryption failed", StringComparison.Ordinal); attempt++)
            {
                // Seen twice in CI (sessions 7 and 8), always in one test while the same key imported in the others:
                // gpgsm could not decrypt a PKCS#12 that OpenSSL had just written ("decryption failed" in every
                // charset), and importing the same file again failed the same way (session 8). So the file, not the
                // key or the agent: a new export (new salts, so new derived keys) is tried, at most twice more. The
                // judge's own key set-up, before any of our output is read.
                imported = ExportAndImport(pki, address, p12);
            }

            if (imported.ExitCode != 0)
            {
                // Measured: gpgsm 2.2.40 crashes (SIGSEGV, exit 139) importing any EC PKCS#12, so it cannot hold
                // an EC recipient key; the matrix records that as its ECDH limitation. RSA imports must work.
                Assert.True(pki.Certificate(address).GetECDiffieHellmanPublicKey() is not null, $"gpgsm --import of {address} failed ({imported.ExitCode}): {imported.Stderr}");
                ImportFailures[address] = $"gpgsm --import exit {imported.ExitCode}";
            }
        }
        string fingerprint = pki.Authority.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA1);
        File.WriteAllText(Path.Combine(_home, "trustlist.txt"), string.Join(':', Enumerable.Range(0, fingerprint.Length / 2).Select(i => fingerprint.Substring(i * 2, 2))) + " S relax\n");
    }

    public string Name => "gpgsm 2.2";

    /// <summary>Recipients whose key gpgsm could not import, with what happened.</summary>
    public Dictionary<string, string> ImportFailures { get; } = new(StringComparer.OrdinalIgnoreCase);

    public EngineVerdict Read(byte[] message, bool encrypted, string recipient)
    {
        byte[] signed = message;
        if (encrypted)
        {
            string input = Scratch.Write(_directory, SignedEntity.Pkcs7Der(message), ".p7m");
            var decrypt = Gpgsm(["--status-fd", "2", "--decrypt", "-o", input + ".dec", input], Encoding.ASCII.GetBytes(Passphrase + "\n"));
            // gpgsm exits non-zero when one of several RecipientInfos is not for a key it holds (the sender's own
            // copy), even though it decrypted: DECRYPTION_OKAY and the output are what count.
            if (!decrypt.Stderr.Contains("[GNUPG:] DECRYPTION_OKAY", StringComparison.Ordinal) || !File.Exists(input + ".dec"))
            {
                return new EngineVerdict(false, false, Reason(decrypt.Stderr));
            }

            signed = File.ReadAllBytes(input + ".dec");
        }

        var (content, der) = SignedEntity.Split(signed);
        string derFile = Scratch.Write(_directory, der, ".p7s");
        var verify = content is null
            ? Gpgsm(["--status-fd", "1", "-o", derFile + ".out", "--verify", derFile])
            : Gpgsm(["--status-fd", "1", "--verify", derFile, Scratch.Write(_directory, content, ".content")]);
        string status = verify.StdoutText;
        bool ok = verify.ExitCode == 0 && status.Contains("[GNUPG:] GOODSIG", StringComparison.Ordinal) && status.Contains("[GNUPG:] TRUST_FULLY", StringComparison.Ordinal);
        return new EngineVerdict(true, ok, ok ? "" : Reason(status + verify.Stderr), ok ? content : null);
    }

    public void Dispose() => Scratch.Run("gpgconf", ["--homedir", _home, "--kill", "gpg-agent"]);

    private static string Reason(string output)
    {
        var line = output.Split('\n').FirstOrDefault(l => l.Contains("ERROR", StringComparison.Ordinal) || l.Contains("BADSIG", StringComparison.Ordinal) || l.Contains("FAILURE", StringComparison.Ordinal));
        return line?.Replace("[GNUPG:] ", "", StringComparison.Ordinal).Trim() ?? Scratch.FirstLine(output);
    }

    private ToolResult ExportAndImport(AlgorithmPki pki, string address, string p12)
    {
        Check(Scratch.Run("openssl", ["pkcs12", "-export", "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1", "-in", pki.CertificatePath(address), "-inkey", pki.KeyPath(address), "-passout", "pass:" + Passphrase, "-out", p12]), "openssl pkcs12 (3DES)");
        return Gpgsm(["--import", p12], Encoding.ASCII.GetBytes(Passphrase + "\n"));
    }

    private ToolResult Gpgsm(string[] args, byte[]? stdin = null) =>
        Scratch.Run("gpgsm", ["--homedir", _home, "--batch", "--pinentry-mode", "loopback", "--passphrase-fd", "0", .. args], stdin ?? Encoding.ASCII.GetBytes(Passphrase + "\n"));

    private static void Check(ToolResult result, string what) =>
        Assert.True(result.ExitCode == 0, $"{what} failed ({result.ExitCode}): {result.Stderr}");
}
