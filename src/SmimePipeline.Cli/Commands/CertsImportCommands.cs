using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.CertificateDirectory;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime certs import | trust | import-crl</c>.</summary>
internal static class CertsImportCommands
{
    public static Command Import()
    {
        var file = new Argument<FileInfo>("file") { Description = "Recipient certificates: PEM, DER, a PEM bundle or a PKCS#7 bundle (.p7b). CA certificates in it become intermediates." };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("import", "Import recipient certificates (public keys used for encryption).") { file, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var certificates = CertificateFiles.ReadCertificates(CertsCommand.RequireFile(parseResult.GetRequiredValue(file)));
            try
            {
                using var directory = DirectoryOption.Open(parseResult, postgres, store);
                var recipientDirectory = directory;
                var addresses = new List<string>();
                int intermediates = 0;
                foreach (var certificate in certificates)
                {
                    if (CertificateFiles.IsCertificateAuthority(certificate))
                    {
                        // Self-signed CAs are roots: trusting one is a separate, deliberate step ('certs trust').
                        if (!certificate.SubjectName.RawData.AsSpan().SequenceEqual(certificate.IssuerName.RawData))
                        {
                            recipientDirectory.Add(certificate, DirectoryEntryKind.Intermediate);
                            intermediates++;
                        }

                        continue;
                    }

                    addresses.AddRange(recipientDirectory.Add(certificate, DirectoryEntryKind.Recipient));
                }

                if (addresses.Count == 0 && intermediates == 0)
                {
                    throw new CliException("The file holds no end-entity or intermediate certificate (use 'smime certs trust' for a root).");
                }

                if (!DirectoryOption.UsesPostgres(parseResult, postgres) && addresses.Count > 0)
                {
                    MirrorToFileStore(parseResult, store, certificates.Where(c => !CertificateFiles.IsCertificateAuthority(c)), (s, p) => s.ImportCertificate(p));
                }

                Console.WriteLine($"Imported certificate(s) for {string.Join(", ", addresses.Distinct(StringComparer.Ordinal))}" + (intermediates > 0 ? $" and {intermediates} intermediate(s)" : ""));
            }
            finally
            {
                certificates.ForEach(c => c.Dispose());
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    public static Command Trust()
    {
        var file = new Argument<FileInfo>("file") { Description = "A CA certificate (PEM, DER or bundle) to trust as an anchor." };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("trust", "Add a trust anchor (root CA).") { file, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var certificates = CertificateFiles.ReadCertificates(CertsCommand.RequireFile(parseResult.GetRequiredValue(file)));
            try
            {
                using var directory = DirectoryOption.Open(parseResult, postgres, store);
                foreach (var certificate in certificates)
                {
                    directory.Add(certificate, DirectoryEntryKind.Anchor);
                }

                if (!DirectoryOption.UsesPostgres(parseResult, postgres))
                {
                    MirrorToFileStore(parseResult, store, certificates, (s, p) => s.Trust(p));
                }

                Console.WriteLine($"Trusted {string.Join(", ", certificates.Select(c => c.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant()))} (SHA-256)");
            }
            finally
            {
                certificates.ForEach(c => c.Dispose());
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    public static Command ImportCrl()
    {
        var file = new Argument<FileInfo>("file") { Description = "A CRL (PEM or DER) for offline revocation checking." };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("import-crl", "Import a certificate revocation list.") { file, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var crls = CertificateFiles.ReadRevocationLists(CertsCommand.RequireFile(parseResult.GetRequiredValue(file)));
            using var directory = DirectoryOption.Open(parseResult, postgres, store);
            foreach (var crl in crls)
            {
                Console.WriteLine($"Imported CRL of {directory.AddRevocationList(crl)}");
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    /// <summary>
    /// The SQLite default also files certificates in the store directory, which 'smime protect' reads;
    /// the worker reads the directory first and the store second, so both agree.
    /// </summary>
    private static void MirrorToFileStore(ParseResult parseResult, Option<string?> store, IEnumerable<System.Security.Cryptography.X509Certificates.X509Certificate2> certificates, Action<DirectoryCertificateStore, string> import)
    {
        var storePath = StoreOption.Resolve(parseResult, store);
        string temporary = Path.Combine(storePath, "." + Guid.NewGuid().ToString("N") + ".pem");
        File.WriteAllText(temporary, string.Concat(certificates.Select(c => PemEncoding.WriteString("CERTIFICATE", c.RawData) + "\n")), Encoding.ASCII);
        try
        {
            using var fileStore = new DirectoryCertificateStore(storePath);
            import(fileStore, temporary);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
