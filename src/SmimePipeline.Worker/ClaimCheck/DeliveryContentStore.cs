using MassTransit;
using Microsoft.Extensions.Options;
using SmimePipeline.Contracts;
using SmimePipeline.Worker.Configuration;

namespace SmimePipeline.Worker.ClaimCheck;

/// <summary>
/// The claim check for <see cref="DeliverEmail"/>: the signer checks in protected mail above
/// <see cref="ClaimCheckOptions.ThresholdBytes"/> (its bytes go to MassTransit's message-data repository,
/// only <see cref="DeliverEmail.ContentAddress"/> travels on the queue); the sender loads it back.
/// Contracts stay free of MassTransit types: the address is a plain URI.
/// </summary>
public sealed class DeliveryContentStore(IMessageDataRepository repository, IOptions<SmimePipelineOptions> options)
{
    /// <summary>Returns <paramref name="mail"/> as it should travel: unchanged when small, else with its content checked in.</summary>
    public async Task<DeliverEmail> CheckInAsync(DeliverEmail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.Content.Length <= options.Value.ClaimCheck.ThresholdBytes)
        {
            return mail;
        }

        using var content = new MemoryStream(mail.Content, writable: false);
        var address = await repository.Put(content, cancellationToken: cancellationToken);
        return mail with { Content = [], ContentAddress = address };
    }

    /// <summary>The protected bytes of <paramref name="mail"/>, from the message or from the repository.</summary>
    /// <exception cref="InvalidOperationException">The claimed content is gone from the repository.</exception>
    public async Task<byte[]> LoadAsync(DeliverEmail mail, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(mail);
        if (mail.ContentAddress is null)
        {
            return mail.Content;
        }

        Stream stream;
        try
        {
            stream = await repository.Get(mail.ContentAddress, cancellationToken);
        }
        catch (MessageDataNotFoundException notFound)
        {
            throw new InvalidOperationException(
                $"The content of mail {mail.MailId} is not in the claim-check repository at {mail.ContentAddress}; " +
                "signer and sender must share SmimePipeline:ClaimCheck:Directory.",
                notFound);
        }

        await using (stream)
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken);
            return buffer.ToArray();
        }
    }
}
