using System.CommandLine;
using System.Security.Cryptography;
using System.Text;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.CertificateDirectory;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime certs import | trust | import-crl | remove-crl</c>.</summary>
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
                // All or nothing: every address of every certificate is checked before the directory or the
                // store is touched, with the one rule both of them apply.
                RequireFileable(certificates.Where(c => !CertificateFiles.IsCertificateAuthority(c)));
                using var opened = DirectoryOption.Open(parseResult, postgres, store);
                var recipientDirectory = opened.Directory;
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

                if (!opened.IsPostgres && addresses.Count > 0)
                {
                    MirrorToFileStore(parseResult, store, certificates.Where(c => !CertificateFiles.IsCertificateAuthority(c)), (s, p) => s.ImportCertificate(p));
                }

                Console.WriteLine($"Imported certificate(s) for {AddressSummary.Format([.. addresses.Distinct(StringComparer.Ordinal)])}" + (intermediates > 0 ? $" and {intermediates} intermediate(s)" : ""));
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
        var force = new Option<bool>("--force") { Description = "Trust a certificate that is not a CA (no basicConstraints cA=true) as an anchor anyway." };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("trust", "Add a trust anchor (root CA); a certificate that is not a CA is refused unless --force.") { file, force, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var certificates = CertificateFiles.ReadCertificates(CertsCommand.RequireFile(parseResult.GetRequiredValue(file)));
            try
            {
                // RFC 5280 §4.2.1.9: only a certificate with cA=true may issue; a leaf as an anchor would make
                // every certificate "signed" by its key trusted. Checked for all before anything is written.
                foreach (var leaf in certificates.Where(c => !CertificateFiles.IsCertificateAuthority(c)))
                {
                    string described = $"{leaf.Subject} ({leaf.GetCertHashString(HashAlgorithmName.SHA256).ToLowerInvariant()})";
                    if (!parseResult.GetValue(force))
                    {
                        throw new CertificateRefusedException(
                            "anchor-not-ca",
                            $"{described} is not a CA certificate (no basicConstraints cA=true): not trusted as an anchor; import it with 'smime certs import', or use --force.");
                    }

                    Console.Error.WriteLine($"smime: warning: trusting {described}, which is not a CA certificate, because of --force.");
                }

                using var opened = DirectoryOption.Open(parseResult, postgres, store);
                foreach (var certificate in certificates)
                {
                    opened.Directory.Add(certificate, DirectoryEntryKind.Anchor);
                }

                if (!opened.IsPostgres)
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
        var command = new Command("import-crl", "Import a certificate revocation list, verified against a trusted CA (exit 2 when refused).") { file, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var crls = CertificateFiles.ReadRevocationLists(CertsCommand.RequireFile(parseResult.GetRequiredValue(file)));
            using var opened = DirectoryOption.Open(parseResult, postgres, store);
            foreach (var crl in crls)
            {
                var verified = opened.Directory.AddRevocationList(crl);
                string next = verified.NextUpdate is { } due ? $", nextUpdate {Format(due)}" : "";
                Console.WriteLine($"Imported CRL of {verified.IssuerName} (thisUpdate {Format(verified.ThisUpdate)}{next}, {verified.RevokedCount} revoked, SHA-256 {verified.Sha256})");
            }

            return Task.FromResult(0);
        }));
        return command;
    }

    public static Command RemoveCrl()
    {
        var what = new Argument<string>("issuer-or-sha256") { Description = "The SHA-256 of a CRL as 'import-crl' printed it, or an issuer name (removes every CRL of that issuer)." };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("remove-crl", "Remove imported CRLs.") { what, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            string value = parseResult.GetRequiredValue(what);
            if (string.IsNullOrWhiteSpace(value))
            {
                throw new CliException("remove-crl needs a CRL's SHA-256 or an issuer name.");
            }

            using var opened = DirectoryOption.Open(parseResult, postgres, store);
            int removed = opened.Directory.RemoveRevocationLists(value);
            if (removed == 0)
            {
                throw new CliException($"No imported CRL has the SHA-256 or issuer '{value}'.");
            }

            Console.WriteLine($"Removed {removed} CRL(s)");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static void RequireFileable(IEnumerable<System.Security.Cryptography.X509Certificates.X509Certificate2> certificates)
    {
        foreach (var certificate in certificates)
        {
            if (CertificateAddresses.FindUnfileableProblem(certificate) is { } problem)
            {
                throw new CertificateRefusedException("address-not-fileable", problem);
            }
        }
    }

    private static string Format(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

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
