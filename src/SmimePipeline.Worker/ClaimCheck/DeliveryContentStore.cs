using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// The claim check for <see cref="DeliverEmail"/>: the signer checks in protected mail above
/// <see cref="ClaimCheckOptions.ThresholdBytes"/> (its bytes go to the <see cref="IClaimStore"/>, only
/// <see cref="DeliverEmail.ContentAddress"/> travels on the queue); the sender loads it back. An address from
/// the bus is only ever parsed into a <see cref="ClaimId"/>: anything that is not a claim the pipeline minted is
/// refused before a file is opened. Both directions enforce <see cref="SmimePipelineOptions.MaxMessageBytes"/>.
/// </summary>
public sealed class DeliveryContentStore(IClaimStore store, IOptions<SmimePipelineOptions> options)
{
    /// <summary>Returns <paramref name="mail"/> as it should travel: unchanged when small, else with its content checked in.</summary>
    /// <exception cref="MailRefusedException"><c>message-too-large</c>: the protected mail is above <c>SmimePipeline:MaxMessageBytes</c>.</exception>
    public async Task<DeliverEmail> CheckInAsync(DeliverEmail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var max = options.Value.MaxMessageBytes;
        if (mail.Content.Length > max)
        {
            throw new MailRefusedException(new MailRefusal(
                MailRefusal.MessageTooLarge,
                $"The protected mail is {mail.Content.Length} bytes, above the limit of {max} (SmimePipeline:MaxMessageBytes)."));
        }

        if (mail.Content.Length <= options.Value.ClaimCheck.ThresholdBytes)
        {
            return mail;
        }

        var id = await store.PutAsync(mail.Content, cancellationToken);
        return mail with { Content = [], ContentAddress = id.Address };
    }

    /// <summary>The protected bytes of <paramref name="mail"/>, from the message or from its claim.</summary>
    /// <exception cref="MailRefusedException">
    /// <c>claim-refused</c>: the address is not a claim this pipeline minted, or its file is not a regular file of the
    /// claim directory; <c>claim-missing</c>: no such claim; <c>message-too-large</c>: above <c>SmimePipeline:MaxMessageBytes</c>.
    /// </exception>
    public async Task<byte[]> LoadAsync(DeliverEmail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        var max = options.Value.MaxMessageBytes;
        if (mail.ContentAddress is null)
        {
            return mail.Content.Length <= max
                ? mail.Content
                : throw new MailRefusedException(new MailRefusal(
                    MailRefusal.MessageTooLarge,
                    $"Content is {mail.Content.Length} bytes, above the limit of {max} (SmimePipeline:MaxMessageBytes)."));
        }

        if (!ClaimId.TryParse(mail.ContentAddress, out var id, out var problem))
        {
            throw new MailRefusedException(new MailRefusal(MailRefusal.ClaimRefused, $"ContentAddress refused: {problem}; nothing was read."));
        }

        return await store.LoadAsync(id, max, cancellationToken);
    }

    /// <summary>Deletes the claim of <paramref name="mail"/>, if it has a valid one; nothing else is touched.</summary>
    public void Release(DeliverEmail mail)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (ClaimId.TryParse(mail.ContentAddress, out var id, out _))
        {
            store.Delete(id);
        }
    }
}
