using System.CommandLine;
using SmimePipeline.CertificateDirectory;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime certs harvest SIGNED.eml</c>: take a recipient's certificate from a mail they signed.</summary>
internal static class CertsHarvestCommand
{
    public static Command Create()
    {
        var file = new Argument<FileInfo>("mail") { Description = "A signed mail (RFC 5322, .eml) from the recipient." };
        var revocation = RevocationOption.Create();
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var command = new Command("harvest", "Verify a signed mail and file its signer's certificate and SMIMECapabilities.") { file, revocation, store, postgres };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var path = CertsCommand.RequireFile(parseResult.GetRequiredValue(file));

            // The signer worker's registration: the same validator decides what is filed and what protect may use.
            using var services = CertificateServices.Build(parseResult, store, postgres, revocation, storeRequired: false);
            using var mail = File.OpenRead(path);
            var result = services.GetRequiredService<CertificateHarvester>().Harvest(mail);
            Console.WriteLine($"Harvested {result.Thumbprints.Count} certificate(s) for {result.Address}" + (result.HasCapabilities ? " with SMIMECapabilities" : " (no SMIMECapabilities in the signature)"));
            return Task.FromResult(0);
        }));
        return command;
    }
}
