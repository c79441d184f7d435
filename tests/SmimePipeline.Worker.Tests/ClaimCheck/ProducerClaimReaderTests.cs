using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Tests.ClaimCheck;

/// <summary>
/// The signer's checks of a <see cref="ProtectCommandClaim"/> from the bus (issue 17): each hostile reference is refused
/// with its reason code, and the size limit before anything is read.
/// </summary>
public sealed class ProducerClaimReaderTests
{
    private const string Secret = "SECRET-claim-9d2e";
    private readonly InMemoryProtectClaimStore _store = new();

    [Fact]
    public async Task A_genuine_claim_is_read_back_as_the_command_it_holds()
    {
        var (mail, reference) = await StoreAsync();

        var claim = await Reader().LoadAsync(reference, CancellationToken.None);

        var read = Assert.IsType<ProtectEmail>(claim.Command);
        Assert.Equal(mail.MailId, read.MailId);
        Assert.Equal(mail.TextBody, read.TextBody);
        Assert.Equal(reference.Length, claim.Length);
    }

    [Fact]
    public async Task Each_hostile_reference_is_refused_with_its_reason_and_never_quotes_the_mail()
    {
        var (_, genuine) = await StoreAsync();
        var (_, other) = await StoreAsync();
        var cases = new (string What, ProtectCommandClaim Reference, string Code)[]
        {
            ("malformed id", genuine with { ClaimAddress = "urn:smime-protect-claim:../../etc/passwd" }, MailRefusal.ClaimRefused),
            ("sender's claim form", genuine with { ClaimAddress = "urn:smime-claim:" + new string('a', 32) }, MailRefusal.ClaimRefused),
            ("unknown id", genuine with { ClaimAddress = ProtectClaimId.NewId().Address }, MailRefusal.ClaimMissing),
            ("length one more", genuine with { Length = genuine.Length + 1 }, MailRefusal.ClaimRefused),
            ("length one less", genuine with { Length = genuine.Length - 1 }, MailRefusal.ClaimRefused),
            ("wrong digest", genuine with { Sha256 = other.Sha256 }, MailRefusal.ClaimRefused),
            ("digest not hex", genuine with { Sha256 = new string('Z', 64) }, MailRefusal.ClaimRefused),
            ("digest upper case", genuine with { Sha256 = genuine.Sha256!.ToUpperInvariant() }, MailRefusal.ClaimRefused),
            ("another mail's claim", genuine with { MailId = other.MailId }, MailRefusal.ClaimRefused),
            ("no mail id", genuine with { MailId = Guid.Empty }, MailRefusal.InvalidMessage),
            ("oversize", genuine with { Length = 100_000_000 }, MailRefusal.MessageTooLarge),
            ("negative", genuine with { Length = -1 }, MailRefusal.ClaimRefused),
        };

        foreach (var (what, reference, code) in cases)
        {
            var refused = await Assert.ThrowsAsync<MailRefusedException>(() => Reader().LoadAsync(reference, CancellationToken.None));
            Assert.True(code == refused.ReasonCode, $"{what}: {refused.ReasonCode}: {refused.Message}");
            Assert.DoesNotContain(Secret, refused.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task A_stored_claim_above_the_limit_is_refused_without_reading_it()
    {
        // 2 MB against a limit of 64 KB plus the largest manifest (1 MiB): refused on the reference's length, and, when
        // the reference understates it, on the stored length, whose content the store then does not read.
        var (_, reference) = await StoreAsync(new byte[2_000_000]);

        var refused = await Assert.ThrowsAsync<MailRefusedException>(() => Reader(maxMessageBytes: 65_536).LoadAsync(reference, CancellationToken.None));
        var understated = await Assert.ThrowsAsync<MailRefusedException>(() => Reader(maxMessageBytes: 65_536).LoadAsync(reference with { Length = 1_000 }, CancellationToken.None));

        Assert.Equal(MailRefusal.MessageTooLarge, refused.ReasonCode);
        Assert.Contains("nothing was read", refused.Message, StringComparison.Ordinal);
        Assert.Equal(MailRefusal.MessageTooLarge, understated.ReasonCode);
        Assert.Contains("it was not read", understated.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_claim_whose_stored_digest_was_altered_is_refused()
    {
        var mail = Mail([]);
        var content = ProtectClaimContent.Write(mail);
        var id = ProtectClaimId.NewId();
        var digest = SHA256.HashData(content);
        await _store.PutAsync(id, content, new byte[32], DateTimeOffset.UtcNow, CancellationToken.None);
        var reference = new ProtectCommandClaim { MailId = mail.MailId, ClaimAddress = id.Address, Length = content.Length, Sha256 = Convert.ToHexStringLower(digest) };

        var refused = await Assert.ThrowsAsync<MailRefusedException>(() => Reader().LoadAsync(reference, CancellationToken.None));

        Assert.Equal(MailRefusal.ClaimRefused, refused.ReasonCode);
        Assert.Contains("digest stored with it", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_store_a_claim_is_refused_naming_the_setting()
    {
        var (_, reference) = await StoreAsync();

        var refused = await Assert.ThrowsAsync<MailRefusedException>(() =>
            new ProducerClaimReader(Options.Create(new SmimePipelineOptions())).LoadAsync(reference, CancellationToken.None));

        Assert.Equal(MailRefusal.ClaimRefused, refused.ReasonCode);
        Assert.Contains("SmimePipeline:ProducerClaims:PostgresConnectionString", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_consumed_claim_keeps_only_its_preamble_and_a_redelivered_reference_is_recognised_until_the_sweep()
    {
        var (mail, reference) = await StoreAsync(new byte[300_000]);
        Assert.True(ProtectClaimId.TryParse(reference.ClaimAddress, out var id, out _));
        var now = DateTimeOffset.UtcNow;

        await Reader().MarkConsumedAsync(id, now, CancellationToken.None);

        // The content is released: only the preamble (which names the mail) and the digest stay.
        var stored = await _store.LoadAsync(id, long.MaxValue, CancellationToken.None);
        Assert.NotNull(stored);
        Assert.Equal(ProtectClaimContent.FixedPreambleBytes, stored.Length);
        Assert.Equal(mail.MailId, ProtectClaimContent.MailIdOf(stored.Content));
        // A redelivery after a crash between the mark and the ack: recognised as handed on, nothing to protect.
        var claim = await Reader().LoadAsync(reference, CancellationToken.None);
        Assert.Null(claim.Command);
        Assert.Equal(now, claim.HandedOn);
        Assert.Equal(0, await _store.DeleteExpiredAsync(now - TimeSpan.FromHours(1), now - TimeSpan.FromDays(7), CancellationToken.None));
        Assert.Equal(1, await _store.DeleteExpiredAsync(now + TimeSpan.FromSeconds(1), now - TimeSpan.FromDays(7), CancellationToken.None));

        var missing = await Assert.ThrowsAsync<MailRefusedException>(() => Reader().LoadAsync(reference, CancellationToken.None));
        Assert.Equal(MailRefusal.ClaimMissing, missing.ReasonCode);
    }

    [Fact]
    public async Task A_reference_to_a_consumed_claim_must_still_carry_its_digest_and_its_mail()
    {
        var (_, genuine) = await StoreAsync();
        var (_, other) = await StoreAsync();
        Assert.True(ProtectClaimId.TryParse(genuine.ClaimAddress, out var id, out _));
        await Reader().MarkConsumedAsync(id, DateTimeOffset.UtcNow, CancellationToken.None);

        var wrongDigest = await Assert.ThrowsAsync<MailRefusedException>(() => Reader().LoadAsync(genuine with { Sha256 = other.Sha256 }, CancellationToken.None));
        var otherMail = await Assert.ThrowsAsync<MailRefusedException>(() => Reader().LoadAsync(genuine with { MailId = other.MailId }, CancellationToken.None));

        Assert.Equal(MailRefusal.ClaimRefused, wrongDigest.ReasonCode);
        Assert.Contains("SHA-256 differs", wrongDigest.Message, StringComparison.Ordinal);
        Assert.Equal(MailRefusal.ClaimRefused, otherMail.ReasonCode);
        Assert.Contains("another mail", otherMail.Message, StringComparison.Ordinal);
    }

    private ProducerClaimReader Reader(int maxMessageBytes = 20_000_000) =>
        new(Options.Create(new SmimePipelineOptions { MaxMessageBytes = maxMessageBytes }), _store);

    private static ProtectEmail Mail(byte[] attachment) => new()
    {
        MailId = Guid.NewGuid(),
        From = new MailAddress("a@bank.example"),
        To = [new MailAddress("c@example.org")],
        Subject = "s",
        TextBody = Secret,
        Attachments = attachment.Length == 0 ? [] : [new MailAttachment("a.bin", "application/octet-stream", attachment)],
    };

    private async Task<(ProtectEmail Mail, ProtectCommandClaim Reference)> StoreAsync(byte[]? attachment = null)
    {
        var mail = Mail(attachment ?? []);
        var content = ProtectClaimContent.Write(mail);
        var id = ProtectClaimId.NewId();
        var digest = SHA256.HashData(content);
        await _store.PutAsync(id, content, digest, DateTimeOffset.UtcNow, CancellationToken.None);
        return (mail, new ProtectCommandClaim { MailId = mail.MailId, ClaimAddress = id.Address, Length = content.Length, Sha256 = Convert.ToHexStringLower(digest) });
    }
}
