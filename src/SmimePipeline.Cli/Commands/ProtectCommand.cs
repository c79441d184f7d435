using System.CommandLine;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Options;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Cli.Commands;

/// <summary><c>smime protect IN.eml -o OUT.eml</c>: the signer role's engine on one message, no bus.</summary>
internal static class ProtectCommand
{
    public static Command Create()
    {
        var input = new Argument<FileInfo>("input") { Description = "The RFC 5322 message (.eml) to protect." };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the protected message.", Required = true };
        var store = StoreOption.Create();
        var postgres = DirectoryOption.Create();
        var revocation = RevocationOption.Create();
        var digest = new Option<string>("--digest") { Description = "Signature digest: auto (default: SHA-256 for RSA and P-256, SHA-384 for P-384), sha256, sha384 or sha512.", DefaultValueFactory = _ => "auto" };
        digest.AcceptOnlyFromAmong("auto", "sha256", "sha384", "sha512");
        var signOnly = new Option<bool>("--sign-only") { Description = "Sign without encrypting." };
        var encryptOnly = new Option<bool>("--encrypt-only") { Description = "Encrypt without signing." };
        var cipher = new Option<string?>("--cipher") { Description = "Content cipher: aes128-cbc, aes256-cbc (default unless every recipient reads GCM), aes128-gcm or aes256-gcm." };
        cipher.AcceptOnlyFromAmong("aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm");
        var signature = new Option<string>("--signature") { Description = "RSA signature scheme: rsa-pkcs1 (default) or rsa-pss; ignored for EC keys.", DefaultValueFactory = _ => "rsa-pkcs1" };
        signature.AcceptOnlyFromAmong("rsa-pkcs1", "rsa-pss");
        var keyTransport = new Option<string>("--key-transport") { Description = "RSA key transport: rsa-pkcs1 (default) or rsa-oaep; EC recipients always get ECDH.", DefaultValueFactory = _ => "rsa-pkcs1" };
        keyTransport.AcceptOnlyFromAmong("rsa-pkcs1", "rsa-oaep");
        var opaque = new Option<bool>("--opaque") { Description = "Opaque signing (application/pkcs7-mime; smime-type=signed-data) instead of multipart/signed." };
        var headerProtection = new Option<string>("--header-protection") { Description = "on: protected headers travel inside (RFC 9788) and an encrypted mail's Subject becomes [...]; off (default).", DefaultValueFactory = _ => "off" };
        headerProtection.AcceptOnlyFromAmong("on", "off");
        var legacyDisplay = new Option<string>("--legacy-display") { Description = "With header protection on an encrypted mail: on (default) starts the text with the real Subject for clients without header protection (RFC 9788 legacy display); off leaves the text as it is.", DefaultValueFactory = _ => "on" };
        legacyDisplay.AcceptOnlyFromAmong("on", "off");
        var pkcs11Module = new Option<string?>("--pkcs11-module") { Description = "The PKCS#11 module for a signer key in a token whose URI has no module-path (else $SmimePipeline__Signer__Pkcs11__ModulePath, as the worker). PIN: $SmimePipeline__Signer__Pkcs11__PinFile, else $SMIME_PKCS11_PIN." };

        var command = new Command("protect", "Sign and encrypt one message exactly as the signer worker does: certificates from the store and the recipient directory, each validated (chain, revocation) on use.")
        {
            input, output, store, postgres, revocation, digest, signOnly, encryptOnly, cipher, signature, keyTransport, opaque, headerProtection, legacyDisplay, pkcs11Module,
        };
        command.SetAction((parseResult, cancellationToken) => CommandRunner.RunAsync(async () =>
        {
            var inFile = parseResult.GetRequiredValue(input);
            var outFile = parseResult.GetRequiredValue(output);
            if (parseResult.GetValue(signOnly) && parseResult.GetValue(encryptOnly))
            {
                throw new CliException("--sign-only and --encrypt-only exclude each other.");
            }

            // Shapes a mail does not set come from the worker's settings (SmimePipeline__Signer__Protection__…), as a
            // ProtectMimeMessage without them gets them in the signer: only options given on the command line override.
            var policy = new SecurityPolicy
            {
                Sign = !parseResult.GetValue(encryptOnly),
                Encrypt = !parseResult.GetValue(signOnly),
                Cipher = parseResult.GetValue(cipher),
                Opaque = Given(parseResult, opaque) ? parseResult.GetValue(opaque) : null,
                HeaderProtection = Given(parseResult, headerProtection) ? parseResult.GetValue(headerProtection) == "on" : null,
            };
            if (!inFile.Exists)
            {
                throw new CliException($"{inFile.FullName}: no such file.");
            }

            var limit = MessageSizeLimit.Resolve();
            MessageSizeLimit.EnsureInputFits(inFile, policy, limit);

            var storePath = StoreOption.Resolve(parseResult, store);
            if (!Directory.Exists(storePath))
            {
                throw new CliException($"{storePath}: no such certificate store (create it with 'smime certs import-signer').");
            }

            string? module = parseResult.GetValue(pkcs11Module);
            if (module is not null && !File.Exists(module))
            {
                throw new CliException($"--pkcs11-module: the PKCS#11 module {module} does not exist.");
            }

            // The signer worker's registration: validated store, recipient directory, revocation, capabilities, PKCS#11 keys.
            await using var services = CertificateServices.Build(
                parseResult,
                store,
                postgres,
                revocation,
                o =>
                {
                    if (Given(parseResult, legacyDisplay))
                    {
                        o.LegacyDisplay = parseResult.GetValue(legacyDisplay) == "on";
                    }

                    if (Given(parseResult, signature))
                    {
                        o.Signature = parseResult.GetValue(signature) == "rsa-pss" ? SignatureScheme.RsaPss : SignatureScheme.RsaPkcs1;
                    }

                    if (Given(parseResult, keyTransport))
                    {
                        o.KeyTransport = parseResult.GetValue(keyTransport) == "rsa-oaep" ? KeyTransport.RsaOaep : KeyTransport.RsaPkcs1;
                    }

                    if (Given(parseResult, digest))
                    {
                        o.Digest = parseResult.GetValue(digest) switch
                        {
                            "sha256" => SignatureDigest.Sha256,
                            "sha384" => SignatureDigest.Sha384,
                            "sha512" => SignatureDigest.Sha512,
                            _ => SignatureDigest.Auto,
                        };
                    }
                },
                configurePkcs11: module is null ? null : o => o.ModulePath = module);
            var protector = services.GetRequiredService<SmimeProtector>();
            // The signer's intake for a ProtectMimeMessage (session 20): its validator (an empty message, the size limit,
            // the policy) and its reader, so that what a worker refuses is refused here under the same code.
            var mail = new ProtectMimeMessage
            {
                MailId = Guid.NewGuid(),
                Message = await File.ReadAllBytesAsync(inFile.FullName, cancellationToken),
                Policy = policy,
            };
            if (ProtectMimeMessageValidator.Validate(mail, limit) is { } refusal)
            {
                throw new MailRefusedException(refusal with { Reason = $"{inFile.Name}: {refusal.Reason}" });
            }

            MimeKit.MimeMessage message;
            try
            {
                message = ProtectMimeMessageParser.Parse(mail);
            }
            catch (ProtectionRefusedException unreadable)
            {
                throw new ProtectionRefusedException($"{inFile.Name} is not a readable RFC 5322 message.", unreadable);
            }

            ProtectedMail result;
            using (message)
            {
                result = protector.Protect(message, policy);
            }

            MessageSizeLimit.EnsureOutputFits(result.Content.Length, limit);

            await AtomicFile.WriteAsync(outFile.FullName, result.Content, cancellationToken);
            Console.Error.WriteLine(
                $"smime: wrote {outFile.FullName} ({result.Content.Length} bytes; signature {result.SignatureAlgorithm ?? "none"}, cipher {result.ContentCipher ?? "none"}; recipients {string.Join(", ", result.EnvelopeTo)})");
            return 0;
        }));
        return command;
    }

    // Whether the option was on the command line (not its default): only those override the worker's settings.
    private static bool Given(ParseResult parseResult, Option option) => parseResult.GetResult(option) is { Implicit: false };
}
