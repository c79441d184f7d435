using CsCheck;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Errors;
using SmimePipeline.Cryptography.Mime;
using SmimePipeline.Testing;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Sending;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Tests.Validation;

/// <summary>
/// Property-based (CsCheck): random and mutated <see cref="DeliverEmail"/> and <see cref="ProtectEmail"/> values, as a
/// stranger on the bus could send them, are either processed or refused with a reason naming the field — never an
/// unhandled exception, never a hang. Processed means: a DeliverEmail passes every check the sender makes before an ESP
/// (fields, claim, protection); a ProtectEmail is protected by the real engine, or refused by it with its own reason.
/// </summary>
public sealed class ContractPropertyTests(ProtectedMails mails) : IClassFixture<ProtectedMails>, IDisposable
{
    private const int MaxBytes = 1_000_000;
    private const string SecretContent = "PRIVATE-KEY-MATERIAL-7f3a";
    private readonly TempDirectory _temp = new();

    // Hostile and ordinary values for text fields: CR/LF/NUL, over-long, empty, unicode, addresses with tricks.
    private static readonly string?[] Texts =
    [
        null, "", " ", "a@b", "customer@example.org", "alice@demo.smime.test", "sender@demo.smime.test", "bounces@bank.example",
        "x@y\r\nBcc: victim@example.org", "a\0b@example.org", "no-at-sign", "@example.org", "a@", "a@@b", "a b@example.org",
        "<a@example.org>", "a@-bad-.example", "a@exa_mple.org", "..a@example.org", "ü@exämple.org", new string('a', 65) + "@example.org",
        "a@" + new string('b', 260) + ".org", new string('s', 1200), "Subject\rinjected", "tab\tinside", "\u2028line", "\uFEFFbom",
        "application/pdf", "text/plain", "../../etc/passwd", "invoice.pdf", "a/b", "X-Customer-Ref", "Content-Type", "Bad:Name",
    ];

    private static readonly Gen<string?> Text = Gen.Int[0, 3].SelectMany(k => k == 0
        ? Gen.String.Select(s => (string?)s)
        : Gen.Int[0, Texts.Length - 1].Select(i => Texts[i]));

    private static readonly Gen<string?> Address = Gen.Int[0, 2].SelectMany(k => k == 0
        ? Text
        : Gen.Int[0, 5].Select(i => (string?)new[] { "customer@example.org", "alice@demo.smime.test", "bob@demo.smime.test", "carol@demo.smime.test", "sender@demo.smime.test", "b@example.org" }[i]));

    private static readonly Gen<MailAddress?> Mailbox = Gen.Select(Address, Text, Gen.Int[0, 9], (a, d, k) => k == 0 ? null : new MailAddress(a!, k < 5 ? null : d));

    // A null list stands for what a JSON "null" deserialises to.
    private static readonly Gen<IReadOnlyList<MailAddress>> Mailboxes = Gen.Int[0, 9].SelectMany(k => k == 0
        ? Gen.Const((IReadOnlyList<MailAddress>)null!)
        : Mailbox.List[0, k < 8 ? 3 : 40].Select(l => (IReadOnlyList<MailAddress>)l!));

    private static readonly Gen<SecurityPolicy?> Policy = Gen.Select(Gen.Bool, Gen.Bool, Gen.Int[0, 6], Gen.Int[0, 4], (sign, encrypt, cipher, k) => k == 0
        ? null
        : new SecurityPolicy
        {
            Sign = sign || k > 2,
            Encrypt = encrypt,
            Cipher = new[] { null, "aes128-cbc", "aes256-cbc", "aes128-gcm", "aes256-gcm", "des-ede3", "AES256-CBC" }[cipher],
            MissingCertificate = k == 4 ? (MissingCertificatePolicy)7 : null,
        });

    public static Gen<ProtectEmail> ProtectEmails { get; } =
        Gen.Select(
            Gen.Int[0, 9].Select(k => k == 0 ? Guid.Empty : Guid.NewGuid()),
            Mailbox,
            Mailboxes,
            Mailboxes,
            Text,
            Text,
            Gen.Select(Text, Text, Gen.Byte.Array[0, 200], Gen.Int[0, 5], (name, type, content, k) => k == 0 ? null : new MailAttachment(name!, k > 2 ? "application/pdf" : type!, k == 1 ? null! : content)).List[0, 3],
            Gen.Select(Text, Text, Gen.Int[0, 3], (n, v, k) => (n, v, k)).List[0, 3],
            Policy,
            (id, from, to, cc, subject, body, attachments, headers, policy) => new ProtectEmail
            {
                MailId = id,
                From = from!,
                To = to,
                Cc = cc,
                Subject = subject!,
                TextBody = body,
                Attachments = attachments!,
                Headers = headers.Where(h => h.n is not null && h.k > 0).GroupBy(h => h.n!).ToDictionary(g => g.Key, g => g.First().v!),
                Policy = policy!,
            });

    // Mostly hostile values rarely make a whole mail valid: one draw in four starts from a mail the demo PKI can
    // protect (demo sender, demo recipients) with random text and policy, so "protected" is reached in every run.
    private static readonly Gen<ProtectEmail> PlausibleEmails =
        Gen.Select(
            Gen.Int[0, 2].Select(i => new[] { "alice@demo.smime.test", "bob@demo.smime.test", "carol@demo.smime.test" }[i]),
            Text,
            Gen.String,
            Policy.Where(p => p is not null),
            (to, subject, body, policy) => new ProtectEmail
            {
                MailId = Guid.NewGuid(),
                From = new MailAddress("sender@demo.smime.test", null),
                To = [new MailAddress(to, null)],
                Subject = subject ?? "Statement",
                TextBody = body,
                Policy = policy!,
            });

    [Fact]
    public void Random_ProtectEmail_values_are_protected_or_refused_with_a_reason_never_thrown()
    {
        var protectedCount = 0;
        var refusedCount = 0;
        Gen.OneOf(ProtectEmails, ProtectEmails, ProtectEmails, PlausibleEmails).Sample(
            mail =>
            {
                if (ProtectEmailValidator.Validate(mail, MaxBytes) is { } refusal)
                {
                    Assert.False(string.IsNullOrWhiteSpace(refusal.Reason));
                    Assert.Contains(refusal.ReasonCode, new[] { MailRefusal.InvalidMessage, MailRefusal.MessageTooLarge });
                    refusedCount++;
                    return;
                }

                try
                {
                    using var message = MimeComposer.Compose(mail);
                    var result = mails.Protector.Protect(message, mail.Policy);
                    var declared = (result.SignatureAlgorithm is null ? AppliedProtection.None : AppliedProtection.Signature)
                        | (result.ContentCipher is null ? AppliedProtection.None : AppliedProtection.Encryption);
                    Assert.Null(ProtectedMailGuard.Check(result.Content, declared));
                    protectedCount++;
                }
                catch (ProtectionRefusedException refused)
                {
                    Assert.False(string.IsNullOrWhiteSpace(refused.Message));
                    refusedCount++;
                }
            },
            iter: 400);

        // The generator must reach both outcomes, or the property proves little.
        Assert.True(protectedCount > 0, "no generated mail was valid enough to be protected");
        Assert.True(refusedCount > 0, "no generated mail was refused");
    }

    [Fact]
    public async Task Random_and_mutated_DeliverEmail_values_are_admitted_or_refused_with_a_reason_never_thrown()
    {
        var store = new FileClaimStore(_temp.File("claims"));
        var content = new DeliveryContentStore(store, Options.Create(new SmimePipelineOptions { MaxMessageBytes = MaxBytes }));
        var good = mails.Protect(SecurityPolicy.SignAndEncrypt);
        var claim = await store.PutAsync(good, CancellationToken.None);
        File.WriteAllText(_temp.File("secret.key.pem"), SecretContent);
        var bodies = new[] { good, [], "From: a@b\r\n\r\nplain"u8.ToArray(), mails.Protect(SecurityPolicy.SignOnly), null! };
        var addresses = new Uri?[]
        {
            null, null, claim.Address, new("urn:file:..:secret.key.pem"), new("urn:smime-claim:00000000000000000000000000000000"),
            new("file:///etc/passwd"), new("urn:smime-claim:" + claim.Value.ToUpperInvariant()), new("../secret.key.pem", UriKind.Relative),
        };
        var gen = Gen.Select(
            Gen.Int[0, 9].Select(k => k == 0 ? Guid.Empty : Guid.NewGuid()),
            Address,
            Gen.Int[0, 9].SelectMany(k => k == 0 ? Gen.Const((List<string>)null!) : Address.List[0, k < 8 ? 3 : 20].Select(l => (List<string>)l!)),
            Gen.Int[0, bodies.Length - 1],
            Gen.Int[0, addresses.Length - 1],
            Gen.Int[-3, 1003],
            Gen.Int[-1, 4],
            (id, from, to, body, address, attempt, protection) => new DeliverEmail
            {
                MailId = id,
                EnvelopeFrom = from!,
                EnvelopeTo = to,
                Content = bodies[body],
                ContentAddress = addresses[address],
                Attempt = attempt,
                Protection = protection < 0 ? null : (AppliedProtection)protection,
            });

        var admitted = 0;
        var refused = 0;
        await gen.SampleAsync(
            async mail =>
            {
                var refusal = DeliverEmailValidator.Validate(mail, MaxBytes);
                if (refusal is null)
                {
                    try
                    {
                        refusal = ProtectedMailGuard.Check(await content.LoadAsync(mail, CancellationToken.None), mail.Protection);
                    }
                    catch (MailRefusedException e)
                    {
                        refusal = e.Refusal;
                    }
                }

                if (refusal is null)
                {
                    admitted++;
                    return;
                }

                Assert.False(string.IsNullOrWhiteSpace(refusal.Reason));
                Assert.DoesNotContain(SecretContent, refusal.Reason, StringComparison.Ordinal);
                refused++;
            },
            iter: 3000);

        Assert.True(admitted > 0, "no generated DeliverEmail was admitted");
        Assert.True(refused > 0, "no generated DeliverEmail was refused");
    }

    public void Dispose() => _temp.Dispose();
}
