using MassTransit;
using SmimePipeline.Contracts;
using SmimePipeline.Messaging.ProducerClaims;
using SmimePipeline.Worker.ClaimCheck;
using SmimePipeline.Worker.Failures;
using SmimePipeline.Worker.Validation;

namespace SmimePipeline.Worker.Signing;

/// <summary>
/// Takes a <see cref="ProtectCommandClaim"/> (the producer claim check): loads and checks the stored command
/// (<see cref="ProducerClaimReader"/>), then protects it on the same path as an inline command
/// (<see cref="ProtectCommandIntake"/>). Once its <c>DeliverEmail</c> is confirmed by the broker, the claim is marked
/// consumed and its content released; the sweeper deletes what is left after the grace period, so a redelivery after a
/// crash before the ack still finds it and is acknowledged without protecting the mail again. A store that refuses connections or cannot be reached is waited for (<see cref="ProducerClaimStoreRetry"/>), and
/// the mail dead-lettered as <see cref="ClaimStoreUnavailable"/> only when it stays so. A refused or dead-lettered mail keeps its claim for <c>smime dlq requeue</c>. Every refusal is reported like any
/// other (event, log line, metric, <c>smime-protect_error</c> with its reason).
/// </summary>
public sealed partial class ProtectCommandClaimConsumer(
    ProducerClaimReader reader,
    ProducerClaimStoreRetry storeRetry,
    ProtectCommandIntake intake,
    SignerRefusals refusals,
    TimeProvider time,
    ILogger<ProtectCommandClaimConsumer> logger)
    : IConsumer<ProtectCommandClaim>
{
    /// <summary>
    /// The reason code of a claim store that stayed unavailable through <see cref="ProducerClaimStoreRetry"/>'s wait (it
    /// refused connections, could not be reached or timed out), or that failed for another reason through the three
    /// short retries (a missing table or grant).
    /// </summary>
    public const string ClaimStoreUnavailable = "claim-store-unavailable";

    /// <inheritdoc />
    public async Task Consume(ConsumeContext<ProtectCommandClaim> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var reference = context.Message;
        var mailId = reference?.MailId ?? Guid.Empty;
        ProducerClaim claim;
        try
        {
            claim = await storeRetry.RunAsync(mailId, cancellationToken => reader.LoadAsync(reference!, cancellationToken), context.CancellationToken);
        }
        catch (MailRefusedException refused)
        {
            await refusals.RefuseAsync(context, mailId, refused.Refusal);
            throw;
        }
        catch (ProtectClaimStoreException unavailable) when ((unavailable.IsTransient || UnexpectedFailureRetry.IsLastAttempt(context)) && !context.CancellationToken.IsCancellationRequested)
        {
            await refusals.RefuseAsync(context, mailId, new MailRefusal(ClaimStoreUnavailable, unavailable.Message));
            throw;
        }

        if (claim.HandedOn is { } handedOn)
        {
            // Protected and handed on before this redelivery (the signer stopped between the consumed mark and its ack):
            // the mark is written only after the DeliverEmail was confirmed (or, delivered in this process, after the attempt
            // was accepted or routed to the ladder or the dead-letter queue, confirmed), so nothing is left to do.
            ClaimAlreadyHandedOn(logger, mailId, claim.Id, handedOn);
            return;
        }

        await (claim.Command switch
        {
            ProtectEmail mail => intake.ProtectEmailAsync(context, mail, claim.Length),
            ProtectMimeMessage mime => intake.ProtectMimeMessageAsync(context, mime, claim.Length),
            _ => refusals.RefuseAsync(context, mailId, new MailRefusal(UnreadableMessageObserver.ReasonCode, $"claim {claim.Id} holds no protect command")),
        });

        try
        {
            await reader.MarkConsumedAsync(claim.Id, time.GetUtcNow(), context.CancellationToken);
        }
        catch (ProtectClaimStoreException e)
        {
            // The mail is protected and handed on; failing now would only protect it again. The claim stays until
            // the retention sweep instead of the grace-period one.
            MarkConsumedFailed(logger, mailId, claim.Id.ToString(), e.Message);
        }
    }

    [LoggerMessage(EventId = 3016, Level = LogLevel.Information, Message = "Producer claim {ClaimId} of mail {MailId} was consumed at {HandedOn:O}: its mail was protected and handed on then; this redelivered reference is acknowledged without protecting it again")]
    private static partial void ClaimAlreadyHandedOn(ILogger logger, Guid mailId, ProtectClaimId claimId, DateTimeOffset handedOn);

    [LoggerMessage(EventId = 3013, Level = LogLevel.Warning, Message = "Producer claim {ClaimId} of mail {MailId} could not be marked consumed ({Problem}); it stays until the retention sweep")]
    private static partial void MarkConsumedFailed(ILogger logger, Guid mailId, string claimId, string problem);
}
