using MimeKit;
using SmimePipeline.Contracts;
using SmimePipeline.Cryptography.Certificates;
using SmimePipeline.Cryptography.Errors;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Works out, recipient by recipient, whether a mail can be encrypted to them: asked only after the
/// protector refused a recipient, to apply the missing-certificate policy and fill the events' outcomes.
/// </summary>
public sealed class RecipientAssessment(ICertificateStore store)
{
    /// <summary>Outcome <c>encrypted</c>.</summary>
    public const string Encrypted = "encrypted";

    /// <summary>Outcome <c>signed-only</c>.</summary>
    public const string SignedOnly = "signed-only";

    /// <summary>Outcome <c>refused</c>.</summary>
    public const string Refused = "refused";

    /// <summary>Whether <paramref name="refusal"/> is about a recipient's certificate (not the sender, not the message).</summary>
    public static bool IsRecipientRefusal(ProtectionRefusedException refusal, MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(refusal);
        ArgumentNullException.ThrowIfNull(message);
        if (refusal.Refusal is ProtectionRefusal.InvalidMessage or ProtectionRefusal.SignerKeyMissing or ProtectionRefusal.AlgorithmNotAllowed)
        {
            return false;
        }

        string? sender = message.From.Mailboxes.FirstOrDefault()?.Address;
        return refusal.Refusal == ProtectionRefusal.RecipientCertificateMissing
            || (refusal.Address is not null && !CertificateAddresses.AddressEquals(refusal.Address, sender));
    }

    /// <summary>One outcome per recipient: <c>encrypted</c> when a valid certificate exists, else <c>refused</c> with the reason.</summary>
    public IReadOnlyList<RecipientOutcome> Assess(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var outcomes = new List<RecipientOutcome>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var mailbox in message.To.Mailboxes.Concat(message.Cc.Mailboxes).Concat(message.Bcc.Mailboxes))
        {
            if (string.IsNullOrWhiteSpace(mailbox.Address) || !seen.Add(mailbox.Address))
            {
                continue;
            }

            try
            {
                outcomes.Add(store.FindRecipientCertificate(mailbox.Address) is null
                    ? new RecipientOutcome { Address = mailbox.Address, Outcome = Refused, ReasonCode = "recipient-certificate-missing", Reason = $"No encryption certificate for {mailbox.Address}." }
                    : new RecipientOutcome { Address = mailbox.Address, Outcome = Encrypted });
            }
            catch (ProtectionRefusedException refusal)
            {
                outcomes.Add(new RecipientOutcome { Address = mailbox.Address, Outcome = Refused, ReasonCode = refusal.ReasonCode, Reason = refusal.Message });
            }
        }

        return outcomes;
    }
}
