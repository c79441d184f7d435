using SmimePipeline.Testing;

namespace SmimePipeline.Cryptography.Tests.Algorithms;

/// <summary>OpenSSL 3 (<c>openssl cms</c>) as the independent reader of what the engine writes.</summary>
public sealed class OpenSslCms(AlgorithmPki pki, string directory)
{
    /// <summary>Decrypts with <paramref name="address"/>'s key; the result, or the failure with openssl's stderr.</summary>
    public (bool Ok, byte[] Output, string Error) Decrypt(byte[] message, string address)
    {
        string input = Write(message);
        string output = input + ".out";
        var result = ExternalTool.RunAsync("openssl", ["cms", "-decrypt", "-recip", pki.CertificatePath(address), "-inkey", pki.KeyPath(address), "-in", input, "-out", output]).GetAwaiter().GetResult();
        return (result.ExitCode == 0, result.ExitCode == 0 ? File.ReadAllBytes(output) : [], result.Stderr);
    }

    /// <summary>Verifies a multipart/signed or opaque signed-data entity against the test CA; the signed content on success.</summary>
    public (bool Ok, byte[] Content, string Error) Verify(byte[] signedEntity)
    {
        string input = Write(signedEntity);
        string output = input + ".out";
        var result = ExternalTool.RunAsync("openssl", ["cms", "-verify", "-CAfile", pki.CaCertificatePath, "-in", input, "-out", output]).GetAwaiter().GetResult();
        bool ok = result.ExitCode == 0 && result.Stderr.Contains("Verification successful", StringComparison.Ordinal);
        return (ok, ok ? File.ReadAllBytes(output) : [], result.Stderr);
    }

    private string Write(byte[] bytes)
    {
        string path = Path.Combine(directory, Guid.NewGuid().ToString("N") + ".eml");
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
