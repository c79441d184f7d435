using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SmimePipeline.Cli.Terminal;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime certs …</c>: manage the certificate store.</summary>
internal static class CertsCommand
{
    private static readonly JsonSerializerOptions Json = new() { WriteIndented = true };

    public static Command Create()
    {
        var command = new Command("certs", "Manage signer identities, recipient certificates and trust anchors.");
        command.Subcommands.Add(ImportSigner());
        command.Subcommands.Add(Import());
        command.Subcommands.Add(Trust());
        command.Subcommands.Add(List());
        command.Subcommands.Add(CertsDemoCommand.Create());
        return command;
    }

    private static Command ImportSigner()
    {
        var file = new Argument<FileInfo>("file") { Description = "A PKCS#12 file (.p12/.pfx) with the signer's key, certificate and chain." };
        var passwordStdin = new Option<bool>("--password-stdin") { Description = $"Read the password from the first line of standard input (else ${PasswordSource.EnvironmentVariable}, else a prompt)." };
        var store = StoreOption.Create();
        var command = new Command("import-signer", "Import a signer identity (private key and certificate) from PKCS#12.") { file, passwordStdin, store };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var path = RequireFile(parseResult.GetRequiredValue(file));
            var storePath = StoreOption.Resolve(parseResult, store);
            var password = PasswordSource.Read(parseResult.GetValue(passwordStdin), $"Password for {Path.GetFileName(path)}: ");
            using var certificateStore = new DirectoryCertificateStore(storePath);
            var imported = certificateStore.ImportSigner(path, password);
            Console.WriteLine($"Imported signer identity for {string.Join(", ", imported)}");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Import()
    {
        var file = new Argument<FileInfo>("file") { Description = "A recipient certificate: PEM, DER or a PEM bundle." };
        var store = StoreOption.Create();
        var command = new Command("import", "Import recipient certificates (public keys used for encryption).") { file, store };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var path = RequireFile(parseResult.GetRequiredValue(file));
            using var certificateStore = new DirectoryCertificateStore(StoreOption.Resolve(parseResult, store));
            var imported = certificateStore.ImportCertificate(path);
            Console.WriteLine($"Imported certificate(s) for {string.Join(", ", imported)}");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command Trust()
    {
        var file = new Argument<FileInfo>("file") { Description = "A CA certificate (PEM or DER) to trust as an anchor." };
        var store = StoreOption.Create();
        var command = new Command("trust", "Add a trust anchor (root CA).") { file, store };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var path = RequireFile(parseResult.GetRequiredValue(file));
            using var certificateStore = new DirectoryCertificateStore(StoreOption.Resolve(parseResult, store));
            var thumbprints = certificateStore.Trust(path);
            Console.WriteLine($"Trusted {string.Join(", ", thumbprints)} (SHA-256)");
            return Task.FromResult(0);
        }));
        return command;
    }

    private static Command List()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON for scripts." };
        var store = StoreOption.Create();
        var command = new Command("list", "List the store's identities, certificates and anchors.") { json, store };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var storePath = StoreOption.Resolve(parseResult, store);
            if (!Directory.Exists(storePath))
            {
                throw new CliException($"{storePath}: no such certificate store.");
            }

            using var certificateStore = new DirectoryCertificateStore(storePath);
            var entries = certificateStore.List();
            if (parseResult.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(entries, Json));
                return Task.FromResult(0);
            }

            var rows = entries.Select(e => new[]
            {
                e.Kind.ToString().ToLowerInvariant(),
                e.Address ?? "-",
                e.NotAfter.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                e.Thumbprint[..16],
                e.Subject,
            }).ToList();
            TextTable.Write(Console.Out, ["KIND", "ADDRESS", "EXPIRES", "SHA-256 (start)", "SUBJECT"], rows);
            return Task.FromResult(0);
        }));
        return command;
    }

    private static string RequireFile(FileInfo file) =>
        file.Exists ? file.FullName : throw new CliException($"{file.FullName}: no such file.");
}
