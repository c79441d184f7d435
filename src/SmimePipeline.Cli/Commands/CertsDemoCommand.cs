using System.CommandLine;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cli.Commands;

/// <summary>
/// <c>smime certs demo --dir DIR</c>: creates the demo CA, signer identities and recipient
/// certificates (once; later runs reuse them). The docker-compose stack's <c>certs-init</c> job runs it.
/// </summary>
internal static class CertsDemoCommand
{
    public static Command Create()
    {
        var dir = new Option<string>("--dir") { Description = "Where to create the demo PKI (the store is DIR/store).", DefaultValueFactory = _ => "smime-demo/pki" };
        var command = new Command("demo", "Create demo certificates: a CA, RSA and ECDSA signers, three recipients (never for production).") { dir };
        command.SetAction((parseResult, _) => CommandRunner.RunAsync(() =>
        {
            var pki = DemoPki.EnsureCreated(parseResult.GetRequiredValue(dir));
            Console.WriteLine($"store       {pki.StorePath}");
            Console.WriteLine($"CA          {pki.CaCertificatePath}");
            Console.WriteLine($"signers     {pki.SenderAddress} (RSA-2048), {pki.EcdsaSenderAddress} (ECDSA P-256)");
            Console.WriteLine($"recipients  {string.Join(", ", pki.RecipientAddresses)} (keys in {Path.GetDirectoryName(pki.KeyPath(pki.RecipientAddresses[0]))})");
            return Task.FromResult(0);
        }));
        return command;
    }
}
