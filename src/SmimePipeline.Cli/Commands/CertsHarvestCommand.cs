using System.CommandLine;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.CertificateDirectory;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime certs harvest SIGNED.eml</c>: take a recipient's certificate from a mail they signed.</summary>
internal static class CertsHarvestCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("mail") { Description = "A signed mail (RFC 5322, .eml) from the recipient." };
        var revocation = new Option<RevocationPolicy>("--revocation") { Description = "Strict (default): refuse when a revocation source is unreachable; Lenient: warn; Off.", DefaultValueFactory = _ => RevocationPolicy.Strict };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("harvest", "Verify a signed mail and file its signer's certificate and SMIMECapabilities.") { file, revocation, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var path = CertsCommand.RequireFile(parseResult.GetRequiredValue(file));
            using var directory = DirectoryOption.Open(parseResult, postgres, store);
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var warnings = new ConsoleWarnings();
            var validator = new CertificateValidator(directory, new RevocationChecker(directory, http), parseResult.GetValue(revocation), warnings);
            using var mail = File.OpenRead(path);
            var result = new CertificateHarvester(directory, validator).Harvest(mail);
            Console.WriteLine($"Harvested {result.Thumbprints.Count} certificate(s) for {result.Address}" + (result.HasCapabilities ? " with SMIMECapabilities" : " (no SMIMECapabilities in the signature)"));
            return Task.FromResult(0);
        }));
        return command;
    }

    private sealed class ConsoleWarnings : ICertificateValidationObserver
    {
        public void Refused(Cryptography.Errors.ProtectionRefusedException refusal)
        {
            // CommandRunner prints the refusal itself.
        }

        public void Warned(string address, string reasonCode, string message) => Console.Error.WriteLine($"smime: warning ({reasonCode}): {message}");
    }
}
