using System.CommandLine;
using System.Security.Cryptography.X509Certificates;
using SmimePipeline.Cli.Terminal;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.CertificateDirectory;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// <c>smime certs …</c>: signer identities live in the store directory (<c>--store</c>); recipient
/// certificates, trust anchors, intermediates and CRLs live in the recipient directory (SQLite in the
/// store by default, PostgreSQL with <c>--postgres</c>).
/// </summary>
internal static class CertsCommand
{
    public static Command Create()
    {
        var command = new Command("certs", "Manage signer identities, recipient certificates, trust anchors and CRLs.");
        command.Subcommands.Add(ImportSigner());
        command.Subcommands.Add(CertsImportCommands.Import());
        command.Subcommands.Add(CertsImportCommands.Trust());
        command.Subcommands.Add(CertsImportCommands.ImportCrl());
        command.Subcommands.Add(CertsImportCommands.RemoveCrl());
        command.Subcommands.Add(CertsHarvestCommand.Create());
        command.Subcommands.Add(CertsQueryCommands.List());
        command.Subcommands.Add(CertsQueryCommands.Show());
        command.Subcommands.Add(CertsQueryCommands.Expiring());
        command.Subcommands.Add(CertsQueryCommands.Remove());
        command.Subcommands.Add(CertsDemoCommand.Create());
        return command;
    }

    internal static string RequireFile(FileInfo file) =>
        file.Exists ? file.FullName : throw new CliException($"{file.FullName}: no such file.");

    internal static CertificateRow Row(string kind, string? address, X509Certificate2 certificate, bool capabilities, DateTimeOffset now) =>
        Row(kind, address, certificate.Subject, certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256).ToLowerInvariant(),
            new DateTimeOffset(certificate.NotBefore.ToUniversalTime(), TimeSpan.Zero), new DateTimeOffset(certificate.NotAfter.ToUniversalTime(), TimeSpan.Zero), capabilities, now);

    internal static CertificateRow Row(DirectoryEntry entry, DateTimeOffset now) =>
        Row(entry.Kind.ToString().ToLowerInvariant(), entry.Address.Length == 0 ? null : entry.Address, entry.Subject, entry.Thumbprint, entry.NotBefore, entry.NotAfter, entry.SmimeCapabilities is not null, now);

    private static CertificateRow Row(string kind, string? address, string subject, string thumbprint, DateTimeOffset notBefore, DateTimeOffset notAfter, bool capabilities, DateTimeOffset now) =>
        new(kind, address, subject, thumbprint, notBefore, notAfter, (int)Math.Floor((notAfter - now).TotalDays), capabilities);

    internal static CertificateRow Row(StoreEntry entry, DateTimeOffset now) =>
        Row("signer", entry.Address, entry.Subject, entry.Thumbprint, entry.NotBefore, entry.NotAfter, false, now) with
        {
            Key = entry.KeyLocation switch
            {
                SignerKeyLocation.Pkcs11 => "pkcs11",
                SignerKeyLocation.Mounted => "mounted",
                SignerKeyLocation.File => "file",
                _ => null,
            },
            KeyUri = entry.KeyUri,
        };

    private static Command ImportSigner()
    {
        var file = new Argument<FileInfo?>("file") { Description = "A PKCS#12 file (.p12/.pfx) with the signer's key, certificate and chain; with --key, a PEM certificate (then its chain). Not with --pkcs11.", Arity = ArgumentArity.ZeroOrOne };
        var key = new Option<FileInfo?>("--key") { Description = "An unencrypted PKCS#8 PEM key file for the PEM certificate named as the file: RSA, ECDSA or Ed25519 (RFC 8419; .NET cannot read Ed25519 from PKCS#12)." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = $"Read the password from the first line of standard input (else ${PasswordSource.EnvironmentVariable}, else a prompt)." };
        var store = StoreOption.Create();
        var pkcs11 = CertsImportPkcs11Signer.CreateOptions();
        var command = new Command("import-signer", "Import a signer identity: from PKCS#12 or a PEM certificate with --key (key and certificate into the store directory), or a key that stays in a PKCS#11 token (--pkcs11: only its URI and the certificate are filed).")
        {
            file, key, passwordStdin, store, pkcs11.Uri, pkcs11.Module, pkcs11.Certificate, pkcs11.PinStdin,
        };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            if (parseResult.GetValue(pkcs11.Uri) is { } uri)
            {
                return CertsImportPkcs11Signer.Run(parseResult, uri, pkcs11, StoreOption.Resolve(parseResult, store), parseResult.GetValue(file) is not null);
            }

            var path = RequireFile(parseResult.GetValue(file) ?? throw new CliException("Name a PKCS#12 file, or a key in a token with --pkcs11 URI."));
            var storePath = StoreOption.Resolve(parseResult, store);
            if (parseResult.GetValue(key) is { } keyFile)
            {
                using var pemStore = new DirectoryCertificateStore(storePath);
                var fromPem = pemStore.ImportSignerFromPem(path, RequireFile(keyFile));
                Console.WriteLine($"Imported signer identity for {string.Join(", ", fromPem)}");
                return Task.FromResult(0);
            }

            var password = PasswordSource.Read(parseResult.GetValue(passwordStdin), $"Password for {Path.GetFileName(path)}: ");
            using var certificateStore = new DirectoryCertificateStore(storePath);
            var imported = certificateStore.ImportSigner(path, password);
            Console.WriteLine($"Imported signer identity for {string.Join(", ", imported)}");
            return Task.FromResult(0);
        }));
        return command;
    }
}
