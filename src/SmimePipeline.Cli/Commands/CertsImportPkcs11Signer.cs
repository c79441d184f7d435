using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmimePipeline.Cli.Terminal;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Pkcs11;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// <c>smime certs import-signer --pkcs11 URI [--module PATH] [--certificate FILE]</c>: files a signer whose key stays
/// in a PKCS#11 token. The certificate comes from the token (the object with the key's id/label) or from
/// <c>--certificate</c> (PEM, with its chain); one signature in the token proves the key belongs to it. The store gets
/// the certificate and a <c>.pkcs11</c> file with the URI; never key material, never the PIN
/// (<c>$SMIME_PKCS11_PIN</c>, <c>--pin-stdin</c> or a hidden prompt).
/// </summary>
internal static class CertsImportPkcs11Signer
{
    public static Pkcs11CommandOptions CreateOptions() => new(
        new Option<string?>("--pkcs11") { Description = "The key's RFC 7512 URI, e.g. 'pkcs11:token=signers;object=statements'. The key stays in the token." },
        new Option<string?>("--module") { Description = "The PKCS#11 module (vendor library) for this import when the URI has no module-path; workers use Signer:Pkcs11:ModulePath." },
        new Option<FileInfo?>("--certificate") { Description = "The certificate (PEM, with its chain) when the token does not hold it." },
        new Option<bool>("--pin-stdin") { Description = $"Read the token's user PIN from the first line of standard input (else ${Pkcs11KeyProvider.PinVariable}, else a prompt)." });

    public static Task<int> Run(ParseResult parseResult, string uriText, Pkcs11CommandOptions options, string storePath, bool fileGiven)
    {
        if (fileGiven)
        {
            throw new CliException("Give either a PKCS#12 file or --pkcs11 URI, not both.");
        }

        if (!Pkcs11Uri.TryParse(uriText, out var uri, out var error))
        {
            throw new CliException($"--pkcs11: {error}");
        }

        string? module = parseResult.GetValue(options.Module);
        if (module is not null && !File.Exists(module))
        {
            throw new CliException($"--module: the PKCS#11 module {module} does not exist.");
        }

        bool pinStdin = parseResult.GetValue(options.PinStdin);
        using var provider = new Pkcs11KeyProvider(
            new Pkcs11Options { ModulePath = module ?? "" },
            _ => Encoding.UTF8.GetBytes(PasswordSource.Read(pinStdin, $"User PIN of the PKCS#11 token of {uri}: ", Pkcs11KeyProvider.PinVariable, "PIN", "--pin-stdin")));

        var (certificate, chain) = LoadCertificate(parseResult.GetValue(options.Certificate), provider, uri!);
        try
        {
            provider.OpenKey(uri!, certificate).Dispose();
            var protection = provider.ReadProtection(uri!);
            if (protection.Extractable || !protection.Sensitive)
            {
                Console.Error.WriteLine($"smime: warning: the key {uri} is {(protection.Extractable ? "extractable" : "not sensitive")} in its token; an HSM key should be CKA_SENSITIVE and not CKA_EXTRACTABLE.");
            }

            using var store = new DirectoryCertificateStore(storePath);
            var imported = store.ImportPkcs11Signer(uri!, certificate, chain);
            Console.WriteLine($"Imported signer identity for {string.Join(", ", imported)} (key in PKCS#11 token: {uri})");
            return Task.FromResult(0);
        }
        finally
        {
            certificate.Dispose();
            chain.ForEach(c => c.Dispose());
        }
    }

    private static (X509Certificate2 Certificate, List<X509Certificate2> Chain) LoadCertificate(FileInfo? file, Pkcs11KeyProvider provider, Pkcs11Uri uri)
    {
        if (file is null)
        {
            var stored = provider.ReadCertificate(uri)
                ?? throw new CliException($"The token holds no certificate under the key's id/label ({uri}); give it with --certificate FILE.");
            return (stored, []);
        }

        var all = CertificateFiles.ReadCertificates(CertsCommand.RequireFile(file));
        var leaf = all.FirstOrDefault(c => !CertificateFiles.IsCertificateAuthority(c))
            ?? throw new CliException($"{file.FullName} holds no end-entity certificate.");
        return (leaf, [.. all.Where(c => !ReferenceEquals(c, leaf))]);
    }
}

/// <summary>The options of <c>import-signer --pkcs11</c>.</summary>
internal sealed record Pkcs11CommandOptions(Option<string?> Uri, Option<string?> Module, Option<FileInfo?> Certificate, Option<bool> PinStdin);
