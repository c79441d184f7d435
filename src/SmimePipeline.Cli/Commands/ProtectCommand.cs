using System.CommandLine;
using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Certificates;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime protect IN.eml -o OUT.eml</c>: the signer role's engine on one message, no bus.</summary>
internal static class ProtectCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("input") { Description = "The RFC 5322 message (.eml) to protect." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the protected message.", Required = true };
        var store = StoreOption.Create();
        var signOnly = new Option<bool>("--sign-only") { Description = "Sign without encrypting." };
        var encryptOnly = new Option<bool>("--encrypt-only") { Description = "Encrypt without signing." };

        var command = new Command("protect", "Sign and encrypt one message with the certificates in the store.")
        {
            input, output, store, signOnly, encryptOnly,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var inFile = parseResult.GetRequiredValue(input);
            var outFile = parseResult.GetRequiredValue(output);
            if (parseResult.GetValue(signOnly) && parseResult.GetValue(encryptOnly))
            {
                throw new CliException("--sign-only and --encrypt-only exclude each other.");
            }

            var policy = new SecurityPolicy { Sign = !parseResult.GetValue(encryptOnly), Encrypt = !parseResult.GetValue(signOnly) };
            if (!inFile.Exists)
            {
                throw new CliException($"{inFile.FullName}: no such file.");
            }

            var storePath = StoreOption.Resolve(parseResult, store);
            if (!Directory.Exists(storePath))
            {
                throw new CliException($"{storePath}: no such certificate store (create it with 'smime certs import-signer').");
            }

            using var certificateStore = new DirectoryCertificateStore(storePath);
            var protector = new SmimeProtector(certificateStore);
            MimeMessage message;
            await using (var stream = inFile.OpenRead())
            {
                try
                {
                    message = await MimeMessage.LoadAsync(stream, cancellationToken);
                }
                catch (FormatException ex)
                {
                    throw new CliException($"{inFile.Name} is not an RFC 5322 message: {ex.Message}", ex);
                }
            }

            ProtectedMail result;
            using (message)
            {
                result = protector.Protect(message, policy);
            }

            await AtomicFile.WriteAsync(outFile.FullName, result.Content, cancellationToken);
            Console.Error.WriteLine(
                $"smime: wrote {outFile.FullName} ({result.Content.Length} bytes; signature {result.SignatureAlgorithm ?? "none"}, cipher {result.ContentCipher ?? "none"}; recipients {string.Join(", ", result.EnvelopeTo)})");
            return 0;
        }));
        return command;
    }
}
