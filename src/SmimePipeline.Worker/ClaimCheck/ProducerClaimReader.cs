using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// Loads the command a <see cref="ProtectCommandClaim"/> from the bus points at, trusting nothing in it: the address is
/// parsed strictly into a <see cref="ProtectClaimId"/>; a length above <c>SmimePipeline:MaxMessageBytes</c> (plus the
/// largest manifest) is refused before anything is read; the store reads the content only when its stored length is
/// within both the limit and the length on the bus; the claim must have exactly that length and SHA-256, and the mail id
/// inside it must be the one on the bus. The content is then read by the same binary serializers as an inline command.
/// </summary>
public sealed class ProducerClaimReader(IOptions<SmimePipelineOptions> options, IProtectClaimStore? store = null)
{
    private const int Sha256HexDigits = 64;
    private static readonly System.Buffers.SearchValues<char> LowerHex = System.Buffers.SearchValues.Create("0123456789abcdef");

    /// <summary>The checked claim <paramref name="reference"/> points at.</summary>
    /// <exception cref="MailRefusedException">
    /// <c>claim-refused</c>: no store configured, a malformed address or digest, a length or SHA-256 or mail id that
    /// differs from the stored claim; <c>claim-missing</c>: no such claim (never stored, or swept);
    /// <c>message-too-large</c>: above the limit; <c>unreadable-message</c>: the stored command breaks the binary format;
    /// <c>invalid-message</c>: no mail id. Each names the rule, never content.
    /// </exception>
    /// <exception cref="ProtectClaimStoreException">The store could not be reached (transient: retried).</exception>
    public async Task<ProducerClaim> LoadAsync(ProtectCommandClaim reference, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var max = options.Value.MaxMessageBytes;
        if (store is null)
        {
            throw Refused(MailRefusal.ClaimRefused, $"this signer has no producer claim store ({ProducerClaimOptions.SectionName}:PostgresConnectionString is not set); requeue the mail once it is");
        }

        if (reference.MailId == Guid.Empty)
        {
            throw Refused(MailRefusal.InvalidMessage, "MailId is missing or empty");
        }

        if (!ProtectClaimId.TryParse(reference.ClaimAddress, out var id, out var problem))
        {
            throw Refused(MailRefusal.ClaimRefused, problem + "; nothing was read");
        }

        if (reference.Sha256 is not { Length: Sha256HexDigits } digestText || !IsLowerHex(digestText))
        {
            throw Refused(MailRefusal.ClaimRefused, $"Sha256 of claim {id} is not {Sha256HexDigits} lower-case hexadecimal digits; nothing was read");
        }

        long largest = (long)max + ProtectClaimContent.MaxOverheadBytes;
        if (reference.Length > largest)
        {
            throw Refused(MailRefusal.MessageTooLarge, $"claim {id} is said to be {reference.Length} bytes, above the limit of {max} (SmimePipeline:MaxMessageBytes) plus the largest manifest; nothing was read");
        }

        if (reference.Length < ProtectClaimContent.FixedPreambleBytes)
        {
            throw Refused(MailRefusal.ClaimRefused, $"claim {id} is said to be {reference.Length} bytes, shorter than any claim; nothing was read");
        }

        // Never more than the bus promised: a stored claim longer than that is refused without reading it.
        var stored = await store.LoadAsync(id, reference.Length, cancellationToken)
            ?? throw Refused(MailRefusal.ClaimMissing, $"claim {id} is not in the producer claim store (never stored, or deleted after {ProducerClaimOptions.SectionName}:Retention)");
        if (stored.Length > largest)
        {
            throw Refused(MailRefusal.MessageTooLarge, $"claim {id} holds {stored.Length} bytes, above the limit of {max} (SmimePipeline:MaxMessageBytes) plus the largest manifest; it was not read");
        }

        if (stored.Consumed is { } consumed && stored.Length == ProtectClaimContent.FixedPreambleBytes && reference.Length != stored.Length)
        {
            return HandedOn(id, reference, stored, consumed, digestText);
        }

        if (stored.Length != reference.Length || stored.Content is null || stored.Content.LongLength != reference.Length)
        {
            throw Refused(MailRefusal.ClaimRefused, $"claim {id} holds {stored.Length} bytes but its reference says {reference.Length}");
        }

        var digest = SHA256.HashData(stored.Content);
        if (!CryptographicOperations.FixedTimeEquals(digest, Convert.FromHexString(digestText)))
        {
            throw Refused(MailRefusal.ClaimRefused, $"claim {id}'s SHA-256 differs from its reference's");
        }

        if (!CryptographicOperations.FixedTimeEquals(digest, stored.Sha256))
        {
            throw Refused(MailRefusal.ClaimRefused, $"claim {id}'s SHA-256 differs from the digest stored with it");
        }

        object command;
        try
        {
            command = ProtectClaimContent.Read(stored.Content, max);
        }
        catch (ProtectCommandTooLargeException e)
        {
            throw Refused(MailRefusal.MessageTooLarge, $"claim {id}: {e.Message}");
        }
        catch (ProtectCommandFormatException e)
        {
            throw Refused(UnreadableMessageObserver.ReasonCode, $"claim {id}: {e.Message}");
        }

        var mailId = command switch
        {
            ProtectEmail mail => mail.MailId,
            ProtectMimeMessage mime => mime.MailId,
            _ => Guid.Empty,
        };
        if (mailId != reference.MailId)
        {
            // The id inside is not named: the reference's mail id is the one the producer watches for.
            throw Refused(MailRefusal.ClaimRefused, $"claim {id} holds another mail than {reference.MailId}");
        }

        return new ProducerClaim(id, command, stored.Length);
    }

    // A consumed claim whose content was released (IProtectClaimStore.MarkConsumedAsync): only its preamble and digest are
    // left. The reference must carry that digest and the mail id the preamble names, as a whole claim's must; its length
    // can no longer be compared, but the digest covers it.
    private static ProducerClaim HandedOn(ProtectClaimId id, ProtectCommandClaim reference, StoredProtectClaim stored, DateTimeOffset consumed, string digestText)
    {
        if (!CryptographicOperations.FixedTimeEquals(Convert.FromHexString(digestText), stored.Sha256))
        {
            throw Refused(MailRefusal.ClaimRefused, $"claim {id}'s SHA-256 differs from its reference's (the claim was consumed at {consumed:O})");
        }

        if (stored.Content is not { Length: ProtectClaimContent.FixedPreambleBytes } preamble || ProtectClaimContent.MailIdOf(preamble) != reference.MailId)
        {
            throw Refused(MailRefusal.ClaimRefused, $"claim {id} holds another mail than {reference.MailId}");
        }

        return new ProducerClaim(id, null, reference.Length, consumed);
    }

    /// <summary>
    /// Marks claim <paramref name="id"/> consumed and releases its content (<see cref="IProtectClaimStore.MarkConsumedAsync"/>):
    /// the sweeper deletes what is left after <see cref="ProducerClaimOptions.ConsumedGracePeriod"/>.
    /// </summary>
    /// <exception cref="ProtectClaimStoreException">The store could not be reached.</exception>
    public Task MarkConsumedAsync(ProtectClaimId id, DateTimeOffset at, CancellationToken cancellationToken) =>
        store is null ? Task.CompletedTask : store.MarkConsumedAsync(id, at, cancellationToken);

    private static bool IsLowerHex(string text) => !text.AsSpan().ContainsAnyExcept(LowerHex);

    private static MailRefusedException Refused(string code, string reason) => new(new MailRefusal(code, "ProtectCommandClaim refused: " + reason + "."));
}
